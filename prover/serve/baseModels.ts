import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { BASE_FILE } from '../adapters/index.ts'
import { listLocalBases } from '../app/localBases.ts'
import type { FineTuneBase } from '../app/fineTuneModel.ts'
import { parseVectorizerSpec } from '../influence/vectorizerSpec.ts'
import type { ProjectionKind } from '../influence/projection.ts'
import { ApiInputError } from './serveErrors.ts'

/**
 * The base models ModelFactory offers (`GET /api/base-models`), of two kinds:
 * - `head`: an input vectoriser poa trains a linear softmax head on (a fixed list);
 * - `lora`: an OpenLoRA base of this home (`<home>/bases/<name>/base.poa`, id `lora:<name>`), each
 *   fine-tuned model a small low-rank adapter on it. The prefix keeps the two id spaces apart.
 */
export type HeadBaseModel = {
  kind: 'head'
  id: string
  /** The head trained on the base: an L2 linear softmax (ONNX Gemm + Softmax). */
  head: string
  description: string
  /** The vectoriser spec, as `poa model train --vectoriser` takes it. */
  vectoriser: string
}

export type LoraBaseModel = {
  kind: 'lora'
  id: string
  name: string
  head: string
  description: string
  vectoriser: string
  hiddenDim: number
  /** The base file's sha256 (every adapter model hash on it binds it) and its size. */
  sha256: string
  bytes: number
  labels: string[]
}

export type DashboardBaseModel = HeadBaseModel | LoraBaseModel

export const LORA_PREFIX = 'lora:'

export const BASE_MODELS: readonly HeadBaseModel[] = Object.freeze([
  { kind: 'head', id: 'hashing-v1', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'hashing-v1', description: 'word hashing vectoriser (1,024 buckets), the spam model of poa demo' },
  { kind: 'head', id: 'word-1-2', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'word:1-2@4096', description: 'word unigrams and bigrams, 4,096 buckets' },
  { kind: 'head', id: 'char-1-3', head: 'linear softmax (L2, L-BFGS)', vectoriser: 'char:1-3@4096', description: 'character 1- to 3-grams, 4,096 buckets (robust to spelling)' },
])

/** The vectoriser bases, then the home's LoRA bases. */
export async function listBaseModels(home: string): Promise<DashboardBaseModel[]> {
  const lora = (await listLocalBases(home)).map((b): LoraBaseModel => ({
    kind: 'lora', id: `${LORA_PREFIX}${b.name}`, name: b.name, head: `rank-r adapter (A, B) on a ${b.hiddenDim}-wide hidden layer, own softmax head`,
    description: `OpenLoRA base "${b.name}" (${b.vectorizerSpec}, ${b.bytes.toLocaleString('en-US')} bytes)`,
    vectoriser: b.vectorizerSpec, hiddenDim: b.hiddenDim, sha256: b.sha256, bytes: b.bytes, labels: b.labels,
  }))
  return [...BASE_MODELS, ...lora]
}

/** What a `baseModel` field names, as fineTuneModel takes it; ApiInputError naming the ids for an unknown one. */
export function resolveBaseModel(home: string, id: string, lora: { rank?: number; epochs?: number }, head: { l2?: number; projection?: ProjectionKind }): FineTuneBase {
  const vectoriser = BASE_MODELS.find((b) => b.id === id)
  if (vectoriser) return { kind: 'head', vectorizer: parseVectorizerSpec(vectoriser.vectoriser), ...head }
  const name = id.startsWith(LORA_PREFIX) ? id.slice(LORA_PREFIX.length) : undefined
  if (name && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) && existsSync(join(home, 'bases', name, BASE_FILE))) return { kind: 'lora', base: name, ...lora }
  throw new ApiInputError({ field: 'baseModel', expected: `one of ${[...BASE_MODELS.map((b) => b.id), ...localBaseIds(home)].join(', ')}`, got: id })
}

/** The ids of the home's LoRA bases, from the folder names alone (no file read). */
function localBaseIds(home: string): string[] {
  const dir = join(home, 'bases')
  if (!existsSync(dir)) return []
  return readdirSync(dir).sort().filter((n) => existsSync(join(dir, n, BASE_FILE))).map((n) => `${LORA_PREFIX}${n}`)
}

/** A base name that no base of `home` has yet: a base is saved once, every adapter model hash on it binds its bytes. */
export function checkNewBaseName(home: string, name: string): string {
  if (existsSync(join(home, 'bases', name, BASE_FILE))) throw new ApiInputError({ field: 'name', expected: 'the name of no existing base (a base is saved once: the adapter models on it bind its bytes)', got: name })
  return name
}
