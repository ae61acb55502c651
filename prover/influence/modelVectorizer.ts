import { PoaError } from '../errors/index.ts'
import { META_VECTORIZER, onnx } from './onnxModel.ts'
import { checkVectorizerConfig, DEFAULT_VECTORIZER, sameVectorizer, vectorizerSpec, VectorizerConfigError, type VectorizerConfig } from './vectorizerSpec.ts'
import type { ModelContract } from './modelContract.ts'

/**
 * A model's input vectoriser lives in its ONNX file (metadata `poa.vectorizer`, the config as
 * JSON), so the model hash (sha256 of model.onnx) commits it: two models that differ only in their
 * vectoriser have different hashes, and an auditor recomputing query features reads the vectoriser
 * from the committed bytes. A file without that metadata (registered before vectorisers were
 * recorded) means the default hashing-v1 vectoriser at the model's input width.
 */

/** A declared vectoriser disagrees with the model file, or does not produce the model's input width. */
export class ModelVectorizerError extends PoaError {
  constructor({ file, reason, declared, recorded }: { file: string; reason: string; declared?: string; recorded?: string }) {
    super('MODEL_VECTORIZER', 'BAD_INPUT', `${file}: ${reason}`, { meta: { file, declared, recorded } })
  }
}

/** The vectoriser a model file records (its `poa.vectorizer` metadata), or undefined. */
export function recordedVectorizer(contract: Pick<ModelContract, 'metadata'>, file: string): VectorizerConfig | undefined {
  const raw = contract.metadata[META_VECTORIZER]
  if (raw === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new VectorizerConfigError({ field: `${META_VECTORIZER} metadata of ${file}`, value: raw, expected: 'a JSON vectoriser config' })
  }
  return checkVectorizerConfig(parsed as VectorizerConfig)
}

/** The vectoriser a model file means: its metadata, else the default hashing-v1 at its input width. */
export function effectiveVectorizer(contract: Pick<ModelContract, 'metadata' | 'inputDim'>, file: string): VectorizerConfig {
  return recordedVectorizer(contract, file) ?? checkVectorizerConfig({ ...DEFAULT_VECTORIZER, dim: contract.inputDim })
}

/**
 * Decide the vectoriser of a model being registered and return the bytes to store: the file's own
 * when it records one (a different declared one is refused), else the declared one (default:
 * hashing-v1 at the input width) written into the file's metadata, so the stored model.onnx, and
 * with it the model hash, commits it. Its width must be the model's input width.
 */
export function bindVectorizer(p: { bytes: Uint8Array; contract: ModelContract; file: string; declared?: VectorizerConfig }): { bytes: Uint8Array; vectorizer: VectorizerConfig } {
  const recorded = recordedVectorizer(p.contract, p.file)
  const declared = p.declared === undefined ? undefined : checkVectorizerConfig(p.declared)
  if (recorded && declared && !sameVectorizer(recorded, declared)) {
    throw new ModelVectorizerError({
      file: p.file, declared: vectorizerSpec(declared), recorded: vectorizerSpec(recorded),
      reason: `the file records the vectoriser ${vectorizerSpec(recorded)} (metadata ${META_VECTORIZER}), not the declared ${vectorizerSpec(declared)}`,
    })
  }
  const vectorizer = recorded ?? declared ?? checkVectorizerConfig({ ...DEFAULT_VECTORIZER, dim: p.contract.inputDim })
  if (vectorizer.dim !== p.contract.inputDim) {
    throw new ModelVectorizerError({
      file: p.file, declared: vectorizerSpec(vectorizer),
      reason: `the vectoriser ${vectorizerSpec(vectorizer)} gives ${vectorizer.dim} inputs, but the model takes ${p.contract.inputDim} (use width @${p.contract.inputDim})`,
    })
  }
  if (recorded) return { bytes: p.bytes, vectorizer }
  const model = onnx.ModelProto.decode(p.bytes)
  model.metadataProps = [...model.metadataProps, onnx.StringStringEntryProto.create({ key: META_VECTORIZER, value: JSON.stringify(vectorizer) })]
  return { bytes: onnx.ModelProto.encode(model).finish(), vectorizer }
}
