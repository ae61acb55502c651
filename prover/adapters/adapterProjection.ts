import { gaussianStream } from '../influence/seededRandom.ts'
import { orthonormalise, symmetricEigen } from '../influence/whitenedPca.ts'
import type { SparseVector } from '../influence/index.ts'
import { adapterFactors, adapterParamCount, baseActivation, type AdapterParams, type GradientFactors } from './adapterMath.ts'
import type { AdapterProjectionBlocks } from './adapterGraphs.ts'
import { yieldToEventLoop } from './adam.ts'

/**
 * The adapter's attribution projection: phi = M g, g the record's gradient with respect to the
 * adapter's A and B (by default; its head too on request), laid out as all adapter parameters
 * [A, B, head.W, head.b] (n = d r + r h + C (h + 1) numbers; 4,866 at d = 1024, h = 128, r = 4,
 * C = 2; the head block of M is zero unless asked for). M = diag((lambda_t + l2)^-1/2) U_k^T: U_k the top-k eigenvectors of the
 * training set's curvature H, lambda_t its eigenvalues, l2 the training damping. So
 * <phi_q, phi_i> = g_q^T U_k (Lambda_k + l2)^-1 U_k^T g_i: the influence function with H + l2 I,
 * restricted to the k directions of largest curvature. H is the Gauss-Newton matrix (default) or
 * the empirical Fisher; Gauss-Newton measured better (LDS 0.60 against 0.45 on bench/adapterQuality,
 * where the head-only whitened PCA gives 0.48; over A and B only, the default, 0.67). A dense factorisation as in whitenedPca.ts would be
 * a 4,866^2 Cholesky; instead randomised subspace iteration on G (the rows whose Gram matrix is H),
 * never formed: every row is a sum of rank-one blocks (adapterMath.ts), so G^T X and G Y cost one
 * pass over the records' factors. Deterministic per seed.
 */
export type AdapterProjectionParameters = {
  params: AdapterParams
  W0: ArrayLike<number>
  b0: ArrayLike<number>
  rows: readonly SparseVector[]
  labels: ArrayLike<number>
  k: number
  seed: number
  /** The l2 the adapter was trained with (the damping added to F's eigenvalues). */
  damping: number
  /**
   * The curvature whose top eigenvectors are kept: 'fisher' the empirical Fisher (1/N) sum
   * g_i g_i^T of the training gradients at their labels; 'gauss-newton' (default) (1/N) sum_i
   * J_i^T (diag p_i - p_i p_i^T) J_i, computed as sum_c p_ic g_ic g_ic^T with g_ic the loss
   * gradient at class c (diag p - p p^T = sum_c p_c (e_c - p)(e_c - p)^T).
   */
  curvature?: 'fisher' | 'gauss-newton'
  /**
   * Project the head's gradient too (default false: A and B only, the head block of M is zero).
   * Measured on bench/adapterQuality: A and B only LDS 0.67, with the head 0.60.
   */
  withHead?: boolean
  oversample?: number
  powerIterations?: number
  signal?: AbortSignal
}

type Record_ = { row: SparseVector; f: GradientFactors; weight: number }

/** out[m] = g_i^T Y for Y [n, m] row-major. */
function gDot(p: AdapterParams, rec: Record_, Y: Float64Array, m: number, out: Float64Array, withHead = true): void {
  const { inputDim: d, hiddenDim: h, rank: r, classes: C } = p
  const oB = d * r
  const oW = oB + r * h
  const ob = oW + C * h
  out.fill(0)
  const { row, f } = rec
  const add = (pos: number, w0: number) => { const w = w0 * rec.weight; if (w !== 0) { const o = pos * m; for (let t = 0; t < m; t++) out[t] += w * Y[o + t] } }
  for (let j = 0; j < row.indices.length; j++) for (let t = 0; t < r; t++) add(row.indices[j] * r + t, row.values[j] * f.u[t])
  for (let t = 0; t < r; t++) for (let l = 0; l < h; l++) add(oB + t * h + l, f.s[t] * f.delta[l])
  if (withHead) for (let c = 0; c < C; c++) {
    for (let l = 0; l < h; l++) add(oW + c * h + l, f.e[c] * f.a[l])
    add(ob + c, f.e[c])
  }
}

/** out [n, m] += g_i (x) coef, coef [m]. */
function gAdd(p: AdapterParams, rec: Record_, coef: Float64Array, m: number, out: Float64Array, withHead = true): void {
  const { inputDim: d, hiddenDim: h, rank: r, classes: C } = p
  const oB = d * r
  const oW = oB + r * h
  const ob = oW + C * h
  const { row, f } = rec
  const add = (pos: number, w0: number) => { const w = w0 * rec.weight; if (w !== 0) { const o = pos * m; for (let t = 0; t < m; t++) out[o + t] += w * coef[t] } }
  for (let j = 0; j < row.indices.length; j++) for (let t = 0; t < r; t++) add(row.indices[j] * r + t, row.values[j] * f.u[t])
  for (let t = 0; t < r; t++) for (let l = 0; l < h; l++) add(oB + t * h + l, f.s[t] * f.delta[l])
  if (withHead) for (let c = 0; c < C; c++) {
    for (let l = 0; l < h; l++) add(oW + c * h + l, f.e[c] * f.a[l])
    add(ob + c, f.e[c])
  }
}

/** Each training record's gradient factors at its own label. */
export function trainingFactors(p: Pick<AdapterProjectionParameters, 'params' | 'W0' | 'b0' | 'rows' | 'labels'>): Record_[] {
  return p.rows.map((row, i) => ({ row, f: adapterFactors(p.params, row, baseActivation(p.W0, p.b0, p.params.hiddenDim, row), p.labels[i]), weight: 1 }))
}

/** The Gauss-Newton matrix's rows: each record at each class c, weighted by sqrt(p_ic). */
function gaussNewtonRows(p: Pick<AdapterProjectionParameters, 'params' | 'W0' | 'b0' | 'rows'>): Record_[] {
  const out: Record_[] = []
  for (const row of p.rows) {
    const z0 = baseActivation(p.W0, p.b0, p.params.hiddenDim, row)
    for (let c = 0; c < p.params.classes; c++) {
      const f = adapterFactors(p.params, row, z0, c)
      out.push({ row, f, weight: Math.sqrt(f.probs[c]) })
    }
  }
  return out
}

/** M as a row-major [k, n] matrix (see the module comment). */
export async function adapterProjectionMatrix(p: AdapterProjectionParameters): Promise<Float64Array> {
  const { params, k, seed, damping, withHead = false, oversample = 16, powerIterations = 2 } = p
  const n = adapterParamCount(params)
  const records = (p.curvature ?? 'gauss-newton') === 'gauss-newton' ? gaussNewtonRows(p) : trainingFactors(p)
  const N = records.length
  const perRecord = records.length / p.rows.length // C pseudo-rows per record under Gauss-Newton
  const m = Math.min(k + oversample, n, N)
  const gauss = gaussianStream(seed)
  const row = new Float64Array(m)
  const gT = (X: Float64Array) => { // G^T X: [n, m], X [N, m]
    const out = new Float64Array(n * m)
    records.forEach((rec, i) => gAdd(params, rec, X.subarray(i * m, (i + 1) * m), m, out, withHead))
    return out
  }
  const g = (Y: Float64Array) => { // G Y: [N, m]
    const out = new Float64Array(N * m)
    records.forEach((rec, i) => { gDot(params, rec, Y, m, row, withHead); out.set(row, i * m) })
    return out
  }
  const omega = Float64Array.from({ length: N * m }, () => gauss())
  let Q = orthonormalise(gT(omega), n, m)
  for (let it = 0; it < powerIterations; it++) {
    await yieldToEventLoop() // seconds per pass at N = 300: let a server answer in between
    p.signal?.throwIfAborted()
    Q = orthonormalise(gT(g(Q)), n, m)
  }
  const Z = g(Q) // [N, m]; Q^T G^T G Q = Z^T Z
  const T = new Float64Array(m * m)
  for (let i = 0; i < N; i++) for (let a = 0; a < m; a++) { const za = Z[i * m + a]; if (za !== 0) for (let b = 0; b < m; b++) T[a * m + b] += za * Z[i * m + b] }
  const { values, vectors } = symmetricEigen(T, m)
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b)
  const M = new Float64Array(k * n)
  for (let t = 0; t < Math.min(k, m); t++) {
    const scale = 1 / Math.sqrt(Math.max(values[order[t]], 0) / (N / perRecord) + damping)
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let a = 0; a < m; a++) s += Q[i * m + a] * vectors[a * m + order[t]]
      M[t * n + i] = s * scale
    }
  }
  return M
}

/** M [k, n] -> the features graph's blocks (M^T split at the parameter blocks). */
export function projectionBlocks(M: Float64Array, p: Pick<AdapterParams, 'inputDim' | 'hiddenDim' | 'rank' | 'classes'>, k: number): AdapterProjectionBlocks {
  const n = adapterParamCount(p)
  const P = new Float32Array(n * k)
  for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) P[i * k + t] = M[t * n + i]
  const { inputDim: d, hiddenDim: h, rank: r, classes: C } = p
  const cut = [0, d * r, d * r + r * h, d * r + r * h + C * h, n].map((x) => x * k)
  return { k, PA: P.slice(cut[0], cut[1]), PB: P.slice(cut[1], cut[2]), PW: P.slice(cut[2], cut[3]), Pb: P.slice(cut[3], cut[4]) }
}

/** Plain-TS reference of one record's features: M g (tests check onnxruntime against it). */
export function referenceAdapterFeatures(M: Float64Array, p: AdapterParams, row: SparseVector, z0: Float64Array, label: number, k: number): Float64Array {
  const n = adapterParamCount(p)
  const rec = { row, f: adapterFactors(p, row, z0, label), weight: 1 }
  // M^T as [n, k] so gDot gives M g.
  const Mt = new Float64Array(n * k)
  for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) Mt[i * k + t] = M[t * n + i]
  const out = new Float64Array(k)
  gDot(p, rec, Mt, k, out)
  return out
}
