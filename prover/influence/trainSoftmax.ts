import { PoaError } from '../errors/index.ts'
import type { SparseVector } from './vectorize.ts'

/**
 * L2-regularised linear softmax classifier, trained full-batch with L-BFGS:
 *   minimise  (1/N) sum_n CE(softmax(W x_n + b), y_n) + (l2/2) (|W|^2 + |b|^2).
 * The objective is strictly convex, so its minimiser is unique and the exact influence function
 * (H^-1 at the optimum) is defined. Training starts from zero and uses no randomness: the same data
 * gives the same weights, bit for bit, on any machine with IEEE doubles.
 * Parameters are laid out per class row: theta[c*(d+1) + j] = W[c][j] (j < d), theta[c*(d+1) + d] = b[c].
 */
export type SoftmaxWeights = {
  classes: number
  dim: number
  /** Row-major [classes, dim]. */
  W: Float64Array
  b: Float64Array
}

export type TrainSoftmaxParameters = {
  rows: readonly SparseVector[]
  labels: ArrayLike<number>
  classes: number
  dim: number
  /** Regularisation strength (default 1e-3). */
  l2?: number
  maxIterations?: number
  /** Stop when the gradient's infinity norm falls below this (default 1e-7). */
  tolerance?: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  /**
   * Called after each epoch (one L-BFGS iteration: a full pass over every row, training is
   * full-batch) with the mean cross-entropy and the accuracy on the training rows at the weights
   * it reached: the figures a training chart draws.
   */
  onEpoch?: (e: TrainingEpoch) => void
  signal?: AbortSignal
}

/** One epoch's figures on the training rows (the L2 term is not in `loss`). */
export type TrainingEpoch = { epoch: number; loss: number; accuracy: number }

export type TrainSoftmaxReturnType = SoftmaxWeights & { iterations: number; loss: number; gradientNorm: number }

export class TrainingDataError extends PoaError {
  constructor({ where, value, expected }: { where: string; value: unknown; expected: string }) {
    super('TRAINING_DATA', 'BAD_INPUT', `${where} = ${String(value)}: expected ${expected}`, { meta: { where, value, expected } })
  }
}

/** Mean cross-entropy (without the L2 term) and training accuracy of the last lossAndGradient call. */
type Fit = { crossEntropy: number; accuracy: number }

/** Loss and gradient of the objective at theta (gradient written into `grad`); `fit` receives the data terms. */
function lossAndGradient(theta: Float64Array, grad: Float64Array, p: Required<Pick<TrainSoftmaxParameters, 'rows' | 'labels' | 'classes' | 'dim' | 'l2'>>, fit?: Fit): number {
  const { rows, labels, classes: C, dim: d, l2 } = p
  const stride = d + 1
  const n = rows.length
  grad.fill(0)
  const logits = new Float64Array(C)
  let loss = 0
  let correct = 0
  for (let r = 0; r < n; r++) {
    const { indices, values } = rows[r]
    for (let c = 0; c < C; c++) {
      let z = theta[c * stride + d]
      for (let j = 0; j < indices.length; j++) z += theta[c * stride + indices[j]] * values[j]
      logits[c] = z
    }
    let max = -Infinity
    let argmax = 0
    for (let c = 0; c < C; c++) if (logits[c] > max) [max, argmax] = [logits[c], c]
    let sum = 0
    for (let c = 0; c < C; c++) sum += Math.exp(logits[c] - max)
    const y = labels[r]
    if (argmax === y) correct++
    loss += max + Math.log(sum) - logits[y]
    for (let c = 0; c < C; c++) {
      const e = (Math.exp(logits[c] - max) / sum - (c === y ? 1 : 0)) / n
      grad[c * stride + d] += e
      for (let j = 0; j < indices.length; j++) grad[c * stride + indices[j]] += e * values[j]
    }
  }
  loss /= n
  if (fit) [fit.crossEntropy, fit.accuracy] = [loss, correct / n]
  let reg = 0
  for (let i = 0; i < theta.length; i++) {
    reg += theta[i] * theta[i]
    grad[i] += l2 * theta[i]
  }
  return loss + 0.5 * l2 * reg
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/** Train the classifier (see the module comment). */
export async function trainSoftmax(parameters: TrainSoftmaxParameters): Promise<TrainSoftmaxReturnType> {
  const { rows, labels, classes, dim, l2 = 1e-3, maxIterations = 300, tolerance = 1e-7, onProgress, onEpoch, signal } = parameters
  if (!Number.isInteger(classes) || classes < 2) throw new TrainingDataError({ where: 'classes', value: classes, expected: 'an integer >= 2' })
  if (rows.length === 0) throw new TrainingDataError({ where: 'rows.length', value: 0, expected: 'at least one training row' })
  if (labels.length !== rows.length) throw new TrainingDataError({ where: 'labels.length', value: labels.length, expected: `${rows.length} (one per row)` })
  for (let r = 0; r < labels.length; r++) {
    if (!Number.isInteger(labels[r]) || labels[r] < 0 || labels[r] >= classes) {
      throw new TrainingDataError({ where: `labels[${r}]`, value: labels[r], expected: `a class index in [0, ${classes - 1}]` })
    }
  }
  if (!(l2 > 0)) throw new TrainingDataError({ where: 'l2', value: l2, expected: 'a positive number (the model must stay strictly convex)' })
  const problem = { rows, labels, classes, dim, l2 }
  const size = classes * (dim + 1)
  const m = 10
  let theta = new Float64Array(size)
  let grad = new Float64Array(size)
  let loss = lossAndGradient(theta, grad, problem)
  const S: Float64Array[] = []
  const Y: Float64Array[] = []
  const rho: number[] = []
  let iterations = 0
  let gnorm = Infinity
  for (; iterations < maxIterations; iterations++) {
    signal?.throwIfAborted()
    gnorm = 0
    for (let i = 0; i < size; i++) gnorm = Math.max(gnorm, Math.abs(grad[i]))
    if (gnorm < tolerance) break
    // Two-loop recursion: direction = -H_k grad.
    const q = Float64Array.from(grad)
    const alpha = new Array<number>(S.length)
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], q)
      for (let j = 0; j < size; j++) q[j] -= alpha[i] * Y[i][j]
    }
    const gamma = S.length > 0 ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1
    for (let j = 0; j < size; j++) q[j] *= gamma
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i] * dot(Y[i], q)
      for (let j = 0; j < size; j++) q[j] += (alpha[i] - beta) * S[i][j]
    }
    for (let j = 0; j < size; j++) q[j] = -q[j]
    const slope = dot(grad, q)
    // Backtracking (Armijo) line search from step 1.
    let step = 1
    const next = new Float64Array(size)
    const nextGrad = new Float64Array(size)
    let nextLoss = Infinity
    const fit: Fit = { crossEntropy: 0, accuracy: 0 }
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < size; j++) next[j] = theta[j] + step * q[j]
      nextLoss = lossAndGradient(next, nextGrad, problem, fit)
      if (nextLoss <= loss + 1e-4 * step * slope) break
      step /= 2
    }
    const s = new Float64Array(size)
    const y = new Float64Array(size)
    for (let j = 0; j < size; j++) {
      s[j] = next[j] - theta[j]
      y[j] = nextGrad[j] - grad[j]
    }
    const sy = dot(s, y)
    if (sy > 1e-12) {
      S.push(s)
      Y.push(y)
      rho.push(1 / sy)
      if (S.length > m) {
        S.shift()
        Y.shift()
        rho.shift()
      }
    }
    const improvement = loss - nextLoss
    theta = next
    grad = nextGrad
    loss = nextLoss
    onProgress?.({ done: iterations + 1, total: maxIterations, unit: 'iterations' })
    if (onEpoch) {
      onEpoch({ epoch: iterations + 1, loss: fit.crossEntropy, accuracy: fit.accuracy })
      // A watcher (the dashboard's job poll) gets the event loop between epochs to read them live.
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (improvement <= 1e-14 * Math.max(1, Math.abs(loss))) {
      iterations++
      break
    }
  }
  const W = new Float64Array(classes * dim)
  const b = new Float64Array(classes)
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < dim; j++) W[c * dim + j] = theta[c * (dim + 1) + j]
    b[c] = theta[c * (dim + 1) + dim]
  }
  return { classes, dim, W, b, iterations, loss, gradientNorm: gnorm }
}
