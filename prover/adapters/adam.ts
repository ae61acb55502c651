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
