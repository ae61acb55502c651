import { checkVectorizerConfig, type VectorizerConfig } from '../influence/index.ts'
import { AdapterFileError } from './adapterErrors.ts'
import { decodeTensorFile, encodeTensorFile, sha256Hex, tensorOf } from './tensorFile.ts'

/**
 * The shared base model: vectoriser -> hidden layer W0 (d x h) + b0 -> ReLU -> its own head
 * (h -> C, used only to train W0). Adapters freeze W0 and b0 and learn a rank-r update A B of W0
 * plus their own head. Saved once, as one tensor file (`base.poa`); its sha256 is the base hash
 * every adapter records and every adapter model hash binds.
 */
export type BaseModel = {
  vectorizer: VectorizerConfig
  labels: string[]
  inputDim: number
  hiddenDim: number
  /** Row-major [d, h]. */
  W0: Float32Array
  b0: Float32Array
  /** The base's own head, row-major [C, h], and bias [C]. */
  headW: Float32Array
  headB: Float32Array
  training?: { records: number; epochs: number; loss: number; accuracy: number; seed: number }
}

export const BASE_FILE_KIND = 'poa-base-v1'

type BaseMeta = { vectorizer: VectorizerConfig; labels: string[]; inputDim: number; hiddenDim: number; training?: BaseModel['training'] }

export function encodeBaseModel(b: BaseModel): Uint8Array {
  const C = b.labels.length
  return encodeTensorFile<BaseMeta>({
    kind: BASE_FILE_KIND,
    meta: { vectorizer: b.vectorizer, labels: b.labels, inputDim: b.inputDim, hiddenDim: b.hiddenDim, training: b.training },
    tensors: [
      { name: 'W0', dims: [b.inputDim, b.hiddenDim], data: b.W0 },
      { name: 'b0', dims: [b.hiddenDim], data: b.b0 },
      { name: 'head.W', dims: [C, b.hiddenDim], data: b.headW },
      { name: 'head.b', dims: [C], data: b.headB },
    ],
  })
}

/** Decode and check a base file; `file` names it in errors. */
export function decodeBaseModel(bytes: Uint8Array, file: string): BaseModel & { sha256: string } {
  const f = decodeTensorFile<BaseMeta>(bytes, file, BASE_FILE_KIND)
  const m = f.meta
  if (!m || !Number.isInteger(m.inputDim) || !Number.isInteger(m.hiddenDim) || !Array.isArray(m.labels) || m.labels.length < 2) {
    throw new AdapterFileError({ file, problem: 'base header', expected: 'inputDim, hiddenDim and >= 2 labels' })
  }
  let vectorizer: VectorizerConfig
  try {
    vectorizer = checkVectorizerConfig({ ...m.vectorizer })
  } catch (cause) {
    throw new AdapterFileError({ file, problem: `base vectoriser (${cause instanceof Error ? cause.message : String(cause)})` })
  }
  if (vectorizer.dim !== m.inputDim) throw new AdapterFileError({ file, problem: 'vectoriser width', expected: String(m.inputDim), got: String(vectorizer.dim) })
  const C = m.labels.length
  return {
    vectorizer, labels: m.labels, inputDim: m.inputDim, hiddenDim: m.hiddenDim, training: m.training,
    W0: tensorOf(f, 'W0', [m.inputDim, m.hiddenDim], file),
    b0: tensorOf(f, 'b0', [m.hiddenDim], file),
    headW: tensorOf(f, 'head.W', [C, m.hiddenDim], file),
    headB: tensorOf(f, 'head.b', [C], file),
    sha256: sha256Hex(bytes),
  }
}
