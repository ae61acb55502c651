import * as ort from 'onnxruntime-node'
import { PoaError } from '../errors/index.ts'
import { FEATURES_OUTPUT, HIDDEN_OUTPUT, LABEL_INPUT } from './featureGraph.ts'
import type { SparseVector } from './vectorize.ts'
import { densify } from './vectorize.ts'

/**
 * Run the features ONNX graph over rows in batches: returns projected head gradients [N, k] and the
 * model's probabilities [N, C] (and, on request, the head's input activations [N, h]). Every
 * number here comes out of onnxruntime-node; the TS reference (`referenceFeatures`) exists only to
 * check it.
 */
export type ComputeFeaturesParameters = {
  session: ort.InferenceSession
  inputName: string
  probsName: string
  inputDim: number
  k: number
  classes: number
  rows: readonly SparseVector[]
  /** Class used for each row's gradient: the record's label, or the prediction for a query. */
  labels: ArrayLike<number>
  /** Rows per session.run (ML.md: >= 500 amortises the call overhead). */
  batchSize?: number
  withHidden?: boolean
  hiddenDim?: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

export type ComputeFeaturesReturnType = { features: Float32Array; probs: Float32Array; hidden?: Float32Array }

export class InputDimensionError extends PoaError {
  constructor({ where, expected, got }: { where: string; expected: number; got: number }) {
    super('INPUT_DIMENSION', 'BAD_INPUT', `${where} has dimension ${got}: expected ${expected}`, { meta: { where, expected, got } })
  }
}

export async function computeFeatures(p: ComputeFeaturesParameters): Promise<ComputeFeaturesReturnType> {
  const { session, inputName, probsName, inputDim, k, classes, rows, labels, batchSize = 512, withHidden = false, hiddenDim = 0, onProgress, signal } = p
  rows.forEach((row, i) => {
    const last = row.indices.length > 0 ? row.indices[row.indices.length - 1] : -1
    if (last >= inputDim) throw new InputDimensionError({ where: `rows[${i}] (bucket ${last})`, expected: inputDim, got: last + 1 })
  })
  const n = rows.length
  const features = new Float32Array(n * k)
  const probs = new Float32Array(n * classes)
  const hidden = withHidden ? new Float32Array(n * hiddenDim) : undefined
  const fetches = withHidden ? [FEATURES_OUTPUT, probsName, HIDDEN_OUTPUT] : [FEATURES_OUTPUT, probsName]
  for (let start = 0; start < n; start += batchSize) {
    signal?.throwIfAborted()
    const end = Math.min(n, start + batchSize)
    const m = end - start
    const x = densify(rows.slice(start, end), inputDim)
    const y = new BigInt64Array(m)
    for (let i = 0; i < m; i++) y[i] = BigInt(labels[start + i])
    const out = await session.run(
      { [inputName]: new ort.Tensor('float32', x, [m, inputDim]), [LABEL_INPUT]: new ort.Tensor('int64', y, [m]) },
      fetches,
    )
    features.set(out[FEATURES_OUTPUT].data as Float32Array, start * k)
    probs.set(out[probsName].data as Float32Array, start * classes)
    if (hidden) hidden.set(out[HIDDEN_OUTPUT].data as Float32Array, start * hiddenDim)
    onProgress?.({ done: end, total: n, unit: 'records' })
  }
  return { features, probs, hidden }
}

/**
 * Plain TS reference of the same features for the linear model (hidden = input): float64
 * softmax from the head weights, g = (p - onehot(y)) (x) [x, 1], phi = M g with the projection's
 * matrix. Used by tests and by auditors who want to check onnxruntime's output.
 */
export function referenceFeatures({ row, label, headW, headB, classes: C, dim: d, projection, k }: {
  row: SparseVector; label: number; headW: ArrayLike<number>; headB: ArrayLike<number>; classes: number; dim: number; projection: Float32Array; k: number
}): { features: Float64Array; probs: Float64Array } {
  const logits = new Float64Array(C)
  for (let c = 0; c < C; c++) {
    let z = headB[c]
    for (let j = 0; j < row.indices.length; j++) z += headW[c * d + row.indices[j]] * row.values[j]
    logits[c] = z
  }
  const max = Math.max(...logits)
  let sum = 0
  for (let c = 0; c < C; c++) sum += Math.exp(logits[c] - max)
  const probs = logits.map((z) => Math.exp(z - max) / sum)
  const out = new Float64Array(k)
  for (let c = 0; c < C; c++) {
    const e = probs[c] - (c === label ? 1 : 0)
    const base = c * (d + 1)
    for (let j = 0; j < row.indices.length; j++) {
      const w = e * row.values[j]
      const off = (base + row.indices[j]) * k
      for (let t = 0; t < k; t++) out[t] += w * projection[off + t]
    }
    const off = (base + d) * k
    for (let t = 0; t < k; t++) out[t] += e * projection[off + t]
  }
  return { features: out, probs }
}
