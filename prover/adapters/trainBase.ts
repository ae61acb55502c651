import { DEFAULT_VECTORIZER, checkVectorizerConfig, type VectorizerConfig } from '../influence/index.ts'
import { gaussianStream } from '../influence/seededRandom.ts'
import { AdapterOptionError } from './adapterErrors.ts'
import { miniBatchEpochs } from './adam.ts'
import { adapterFactors, argmaxOf, baseActivation, type AdapterParams } from './adapterMath.ts'
import { prepareTrainingRows, type EpochProgress, type TrainingRecords } from './trainingData.ts'
import type { BaseModel } from './baseModel.ts'

/**
 * Train the shared base once: vectoriser -> W0 (d x h) + b0 -> ReLU -> head, minimising
 * (1/N) sum CE + (l2/2)|theta|^2 with Adam over seeded mini-batches. W0 starts N(0, 1) (inputs are
 * unit vectors, so pre-activations start at unit scale), the head N(0, 0.01). Deterministic: the
 * same records, options and seed give the same bytes. Yields to the event loop after each epoch.
 */
export type TrainBaseParameters = TrainingRecords & {
  vectorizer?: VectorizerConfig
  /** Hidden width h (default 128). */
  hiddenDim?: number
  epochs?: number
  batchSize?: number
  learningRate?: number
  l2?: number
  seed?: number
  onProgress?: (p: EpochProgress) => void
  signal?: AbortSignal
}

export const DEFAULT_HIDDEN_DIM = 128

export function checkPositiveInteger(option: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new AdapterOptionError({ option, value, expected: `an integer in [1, ${max}]` })
  return value
}

export async function trainBase(p: TrainBaseParameters): Promise<BaseModel> {
  const vectorizer = checkVectorizerConfig({ ...(p.vectorizer ?? DEFAULT_VECTORIZER) })
  const h = checkPositiveInteger('hiddenDim', p.hiddenDim ?? DEFAULT_HIDDEN_DIM, 4096)
  const epochs = checkPositiveInteger('epochs', p.epochs ?? 8, 10_000)
  const batchSize = checkPositiveInteger('batchSize', p.batchSize ?? 32, 1 << 20)
  const lr = p.learningRate ?? 0.01
  const l2 = p.l2 ?? 1e-4
  const seed = p.seed ?? 1
  const { labels, y, rows } = prepareTrainingRows(p, vectorizer)
  const d = vectorizer.dim
  const C = labels.length
  const gauss = gaussianStream(seed)
  const W0 = Float64Array.from({ length: d * h }, () => gauss())
  const b0 = new Float64Array(h)
  const head: AdapterParams = { inputDim: d, hiddenDim: h, rank: 0, classes: C, A: new Float64Array(0), B: new Float64Array(0), headW: Float64Array.from({ length: C * h }, () => 0.01 * gauss()), headB: new Float64Array(C) }
  const params = [W0, b0, head.headW, head.headB]
  const grads = params.map((x) => new Float64Array(x.length))
  const last = await miniBatchEpochs({
    examples: rows.length, epochs, batchSize, seed, learningRate: lr, l2, signal: p.signal, onEpoch: p.onProgress, params, grads,
    addExample: (i, w) => {
      const row = rows[i]
      const f = adapterFactors(head, row, baseActivation(W0, b0, h, row), y[i])
      for (let j = 0; j < row.indices.length; j++) {
        const v = w * row.values[j]
        const o = row.indices[j] * h
        for (let l = 0; l < h; l++) grads[0][o + l] += v * f.delta[l]
      }
      for (let l = 0; l < h; l++) grads[1][l] += w * f.delta[l]
      for (let c = 0; c < C; c++) {
        for (let l = 0; l < h; l++) grads[2][c * h + l] += w * f.e[c] * f.a[l]
        grads[3][c] += w * f.e[c]
      }
      return { loss: f.loss, correct: argmaxOf(f.probs) === y[i] }
    },
  })
  return {
    vectorizer, labels, inputDim: d, hiddenDim: h,
    W0: Float32Array.from(W0), b0: Float32Array.from(b0), headW: Float32Array.from(head.headW), headB: Float32Array.from(head.headB),
    training: { records: rows.length, epochs, loss: last.loss, accuracy: last.accuracy, seed },
  }
}
