import { parseVectorizerSpec, type VectorizerConfig } from '../influence/vectorizerSpec.ts'
import { ApiInputError } from './serveErrors.ts'

/**
 * The base models ModelFactory offers: the input vectorisers poa trains a linear softmax head on
 * today. A list the API returns (`GET /api/base-models`), so other kinds (a LoRA base with its
 * adapters) join it without the page changing.
 */
export type BaseModel = {
  id: string
  /** The head trained on the base: today every base gets an L2 linear softmax (ONNX Gemm + Softmax). */
  head: string
  description: string
  /** The vectoriser spec, as `poa model train --vectoriser` takes it. */
  vectoriser: string
}

export const BASE_MODELS: readonly BaseModel[] = Object.freeze([
  { id: 'hashing-v1', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'hashing-v1', description: 'word hashing vectoriser (1,024 buckets), the spam model of poa demo' },
  { id: 'word-1-2', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'word:1-2@4096', description: 'word unigrams and bigrams, 4,096 buckets' },
  { id: 'char-1-3', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'char:1-3@4096', description: 'character 1- to 3-grams, 4,096 buckets (robust to spelling)' },
])

/** The vectoriser of a base model id; ApiInputError naming the ids for an unknown one. */
export function baseModelVectoriser(id: string): VectorizerConfig {
  const base = BASE_MODELS.find((b) => b.id === id)
  if (!base) throw new ApiInputError({ field: 'baseModel', expected: `one of ${BASE_MODELS.map((b) => b.id).join(', ')}`, got: id })
  return parseVectorizerSpec(base.vectoriser)
}
