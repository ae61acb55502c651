import type { SparseVector } from '../influence/index.ts'

/**
 * The forward and backward pass of one record through base + adapter, in float64 TS (training,
 * the projection and the tests' finite differences use it; serving runs the same function in ONNX):
 *   z0 = x W0 + b0 (frozen: computed once per record)   s = x A  [r]
 *   pre = z0 + s B   a = ReLU(pre)   logits = Wh a + bh   p = softmax(logits)   loss = -ln p_y
 * Backward: e = p - onehot(y); dWh = e (x) a; dbh = e; delta = (Wh^T e) * [pre > 0];
 *   dB = s (x) delta; u = B delta; dA = x (x) u.
 * Every per-record gradient is a sum of rank-one blocks, which is what makes the projection cheap.
 */
export type AdapterParams = {
  inputDim: number
  hiddenDim: number
  rank: number
  classes: number
  /** [d, r], [r, h], [C, h], [C], row-major. */
  A: Float64Array
  B: Float64Array
  headW: Float64Array
  headB: Float64Array
}

/** The factors of one record's gradient (see the module comment) and its loss and probabilities. */
export type GradientFactors = { s: Float64Array; u: Float64Array; delta: Float64Array; e: Float64Array; a: Float64Array; probs: Float64Array; loss: number }

/** z0 = x W0 + b0 for a sparse row (W0 row-major [d, h]). */
export function baseActivation(W0: ArrayLike<number>, b0: ArrayLike<number>, hiddenDim: number, row: SparseVector): Float64Array {
  const z = Float64Array.from(b0)
  for (let j = 0; j < row.indices.length; j++) {
    const v = row.values[j]
    const o = row.indices[j] * hiddenDim
    for (let l = 0; l < hiddenDim; l++) z[l] += v * W0[o + l]
  }
  return z
}

/** Softmax probabilities of a logit vector (stable). */
export function softmaxOf(z: Float64Array): Float64Array {
  let m = -Infinity
  for (const v of z) m = Math.max(m, v)
  let s = 0
  const p = z.map((v) => { const e = Math.exp(v - m); s += e; return e })
  return p.map((v) => v / s)
}

/** Forward pass; with `label` also the backward factors. */
export function adapterFactors(p: AdapterParams, row: SparseVector, z0: Float64Array, label: number): GradientFactors {
  const { hiddenDim: h, rank: r, classes: C } = p
  const s = new Float64Array(r)
  for (let j = 0; j < row.indices.length; j++) {
    const v = row.values[j]
    const o = row.indices[j] * r
    for (let t = 0; t < r; t++) s[t] += v * p.A[o + t]
  }
  const pre = Float64Array.from(z0)
  for (let t = 0; t < r; t++) for (let l = 0; l < h; l++) pre[l] += s[t] * p.B[t * h + l]
  const a = pre.map((v) => (v > 0 ? v : 0))
  const logits = new Float64Array(C)
  for (let c = 0; c < C; c++) {
    let z = p.headB[c]
    for (let l = 0; l < h; l++) z += p.headW[c * h + l] * a[l]
    logits[c] = z
  }
  const probs = softmaxOf(logits)
  const e = probs.map((v, c) => v - (c === label ? 1 : 0))
  const delta = new Float64Array(h)
  for (let l = 0; l < h; l++) {
    if (pre[l] <= 0) continue
    let g = 0
    for (let c = 0; c < C; c++) g += p.headW[c * h + l] * e[c]
    delta[l] = g
  }
  const u = new Float64Array(r)
  for (let t = 0; t < r; t++) for (let l = 0; l < h; l++) u[t] += p.B[t * h + l] * delta[l]
  return { s, u, delta, e, a, probs, loss: -Math.log(Math.max(probs[label], 1e-300)) }
}

/** Gradient buffers in the parameters' own layout. */
export type AdapterGradient = { A: Float64Array; B: Float64Array; headW: Float64Array; headB: Float64Array }

export function zeroGradient(p: AdapterParams): AdapterGradient {
  return { A: new Float64Array(p.A.length), B: new Float64Array(p.B.length), headW: new Float64Array(p.headW.length), headB: new Float64Array(p.headB.length) }
}

/** g += w * (this record's gradient), from its factors. */
export function accumulateGradient(p: AdapterParams, g: AdapterGradient, row: SparseVector, f: GradientFactors, w: number): void {
  const { hiddenDim: h, rank: r, classes: C } = p
  for (let j = 0; j < row.indices.length; j++) {
    const v = w * row.values[j]
    const o = row.indices[j] * r
    for (let t = 0; t < r; t++) g.A[o + t] += v * f.u[t]
  }
  for (let t = 0; t < r; t++) {
    const st = w * f.s[t]
    if (st !== 0) for (let l = 0; l < h; l++) g.B[t * h + l] += st * f.delta[l]
  }
  for (let c = 0; c < C; c++) {
    const ec = w * f.e[c]
    for (let l = 0; l < h; l++) g.headW[c * h + l] += ec * f.a[l]
    g.headB[c] += ec
  }
}

/** The attribution parameter vector's layout: [A (d r), B (r h), head.W (C h), head.b (C)]. */
export const adapterParamCount = (p: Pick<AdapterParams, 'inputDim' | 'hiddenDim' | 'rank' | 'classes'>): number =>
  p.inputDim * p.rank + p.rank * p.hiddenDim + p.classes * (p.hiddenDim + 1)

/** The index of the largest value (the first on a tie). */
export function argmaxOf(v: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i
  return best
}
