import { mulberry32 } from '../dataset/mulberry32.ts'
/**
 * Adam (Kingma & Ba) over a list of float64 parameter arrays, with decoupled nothing: the L2 term
 * is part of the gradient the caller passes, so the objective stays (1/N) sum loss + (l2/2)|theta|^2.
 * No randomness; the same gradients give the same steps.
 */
export type AdamState = { step: number; m: Float64Array[]; v: Float64Array[] }

export function createAdam(params: readonly Float64Array[]): AdamState {
  return { step: 0, m: params.map((p) => new Float64Array(p.length)), v: params.map((p) => new Float64Array(p.length)) }
}

export function adamStep(state: AdamState, params: readonly Float64Array[], grads: readonly Float64Array[], lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): void {
  state.step++
  const c1 = 1 - beta1 ** state.step
  const c2 = 1 - beta2 ** state.step
  params.forEach((p, k) => {
    const g = grads[k]
    const m = state.m[k]
    const v = state.v[k]
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps)
    }
  })
}

/** A seeded permutation of 0..n-1 (Fisher-Yates with the given uniform [0, 1) source). */
export function shuffled(n: number, next: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  return order
}

/** A turn for the event loop: a server calling a training loop keeps answering (and sends the progress) between epochs. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export type MiniBatchEpochsParameters = {
  /** Training examples, indexed 0..examples-1. */
  examples: number
  epochs: number
  batchSize: number
  /** Seeds the order of the examples in each epoch. */
  seed: number
  learningRate: number
  l2: number
  /** The parameters Adam updates, and one gradient array beside each. */
  params: readonly Float64Array[]
  grads: readonly Float64Array[]
  /** Add example i's loss gradient times `weight` (1 / the batch size) into `grads`; its loss and whether it was predicted right. */
  addExample(i: number, weight: number): { loss: number; correct: boolean }
  onEpoch?: (p: { epoch: number; epochs: number; loss: number; accuracy: number }) => void
  signal?: AbortSignal
}

/**
 * Mini-batch Adam: each epoch visits the examples in a seeded shuffled order, each batch starts the
 * gradients at l2 * theta (so the objective is mean loss + (l2/2)|theta|^2) and takes one Adam step.
 * Returns the last epoch's mean loss and accuracy (as the epoch saw them, parameters moving).
 */
export async function miniBatchEpochs(p: MiniBatchEpochsParameters): Promise<{ loss: number; accuracy: number }> {
  const { params, grads, l2 } = p
  const adam = createAdam(params)
  const next = mulberry32(p.seed)
  let last = { loss: 0, accuracy: 0 }
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const order = shuffled(p.examples, next)
    let loss = 0
    let correct = 0
    for (let start = 0; start < order.length; start += p.batchSize) {
      p.signal?.throwIfAborted()
      const batch = order.subarray(start, Math.min(order.length, start + p.batchSize))
      grads.forEach((g, k) => { for (let i = 0; i < g.length; i++) g[i] = l2 * params[k][i] })
      for (const i of batch) {
        const f = p.addExample(i, 1 / batch.length)
        loss += f.loss
        if (f.correct) correct++
      }
      adamStep(adam, params, grads, p.learningRate)
    }
    last = { loss: loss / p.examples, accuracy: correct / p.examples }
    p.onEpoch?.({ epoch, epochs: p.epochs, ...last })
    await yieldToEventLoop()
  }
  return last
}
