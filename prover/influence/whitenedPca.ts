import { gaussianStream } from './seededRandom.ts'

/**
 * The 'whitened-pca' projection: M = U_k^T L^-1, where H = L L^T is the head's Gauss-Newton
 * Hessian and U_k holds the top-k eigenvectors of S = sum_i w_i w_i^T over the training gradients
 * whitened as w_i = L^-1 g_i. Then <M g_q, M g_i> is the exact influence g_q^T H^-1 g_i restricted
 * to the k directions along which the training set's whitened gradients vary most. Why these: the
 * LDS signal of a query is w_q . sum_{i in S} w_i over random subsets S, whose variance is
 * (1/4) w_q^T S w_q, so the top eigenvectors of S keep most of what subset sums can show.
 * Computed by randomized subspace iteration on B = L^-1 G (n x N, never formed): each product
 * costs one sparse pass over the gradients and one n^2/2 triangular solve per column.
 */
export type HeadGradients = {
  /** e[i*C + c] = p_ic - [y_i = c]. */
  errors: Float32Array
  /** Head inputs, row-major [N, h]. */
  hidden: Float32Array
  rows: number
  classes: number
  hiddenDim: number
}

export type WhitenedPcaParameters = HeadGradients & {
  /** Lower Cholesky factor of H, [n, n] with n = C (h + 1). */
  L: Float64Array
  k: number
  seed: number
  oversample?: number
  powerIterations?: number
}

/** out[n, m] = G X for X [N, m] (G's column i is g_i). */
function gTimes(g: HeadGradients, X: Float64Array, m: number): Float64Array {
  const { classes: C, hiddenDim: h, rows: N } = g
  const out = new Float64Array(C * (h + 1) * m)
  for (let i = 0; i < N; i++) {
    const xi = i * m
    for (let j = 0; j <= h; j++) {
      const v = j === h ? 1 : g.hidden[i * h + j]
      if (v === 0) continue
      for (let c = 0; c < C; c++) {
        const a = g.errors[i * C + c] * v
        const o = (c * (h + 1) + j) * m
        for (let t = 0; t < m; t++) out[o + t] += a * X[xi + t]
      }
    }
  }
  return out
}

/** out[N, m] = G^T Y for Y [n, m]. */
function gTransposeTimes(g: HeadGradients, Y: Float64Array, m: number): Float64Array {
  const { classes: C, hiddenDim: h, rows: N } = g
  const out = new Float64Array(N * m)
  for (let i = 0; i < N; i++) {
    const xi = i * m
    for (let j = 0; j <= h; j++) {
      const v = j === h ? 1 : g.hidden[i * h + j]
      if (v === 0) continue
      for (let c = 0; c < C; c++) {
        const a = g.errors[i * C + c] * v
        const o = (c * (h + 1) + j) * m
        for (let t = 0; t < m; t++) out[xi + t] += a * Y[o + t]
      }
    }
  }
  return out
}

/** Solve L Y = R for m right-hand sides, R [n, m] row-major, in place. */
function lowerSolveMany(L: Float64Array, n: number, R: Float64Array, m: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n
    const yi = i * m
    for (let t = 0; t < i; t++) {
      const l = L[ri + t]
      if (l === 0) continue
      const yt = t * m
      for (let s = 0; s < m; s++) R[yi + s] -= l * R[yt + s]
    }
    const inv = 1 / L[ri + i]
    for (let s = 0; s < m; s++) R[yi + s] *= inv
  }
  return R
}

/** Solve L^T Z = R for m right-hand sides, in place (column sweep keeps row access to L). */
function upperTSolveMany(L: Float64Array, n: number, R: Float64Array, m: number): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n
    const zi = i * m
    const inv = 1 / L[ri + i]
    for (let s = 0; s < m; s++) R[zi + s] *= inv
    for (let t = 0; t < i; t++) {
      const l = L[ri + t]
      if (l === 0) continue
      const zt = t * m
      for (let s = 0; s < m; s++) R[zt + s] -= l * R[zi + s]
    }
  }
  return R
}

/** Orthonormalise the m columns of Y [n, m] (modified Gram-Schmidt), in place. */
export function orthonormalise(Y: Float64Array, n: number, m: number): Float64Array {
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < a; b++) {
      let dot = 0
      for (let i = 0; i < n; i++) dot += Y[i * m + a] * Y[i * m + b]
      for (let i = 0; i < n; i++) Y[i * m + a] -= dot * Y[i * m + b]
    }
    let norm = 0
    for (let i = 0; i < n; i++) norm += Y[i * m + a] ** 2
    norm = Math.sqrt(norm) || 1
    for (let i = 0; i < n; i++) Y[i * m + a] /= norm
  }
  return Y
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi: values and column vectors. */
export function symmetricEigen(A: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A)
  const v = new Float64Array(m * m)
  for (let i = 0; i < m; i++) v[i * m + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q] ** 2
    if (off < 1e-22) break
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]
        if (Math.abs(apq) < 1e-300) continue
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p]
          const arq = a[r * m + q]
          a[r * m + p] = c * arp - s * arq
          a[r * m + q] = s * arp + c * arq
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r]
          const aqr = a[q * m + r]
          a[p * m + r] = c * apr - s * aqr
          a[q * m + r] = s * apr + c * aqr
        }
        for (let r = 0; r < m; r++) {
          const vrp = v[r * m + p]
          const vrq = v[r * m + q]
          v[r * m + p] = c * vrp - s * vrq
          v[r * m + q] = s * vrp + c * vrq
        }
      }
    }
  }
  const values = new Float64Array(m)
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]
  return { values, vectors: v }
}

/** M = U_k^T L^-1 as a row-major [k, n] matrix (see the module comment). */
export function whitenedPcaMatrix(p: WhitenedPcaParameters): Float64Array {
  const { L, k, seed, oversample = 16, powerIterations = 3 } = p
  const n = p.classes * (p.hiddenDim + 1)
  const m = Math.min(k + oversample, n, p.rows)
  const gauss = gaussianStream(seed)
  const omega = new Float64Array(p.rows * m)
  for (let i = 0; i < omega.length; i++) omega[i] = gauss()
  const applyB = (X: Float64Array) => lowerSolveMany(L, n, gTimes(p, X, m), m) // L^-1 G X
  const applyBT = (Y: Float64Array) => gTransposeTimes(p, upperTSolveMany(L, n, Float64Array.from(Y), m), m) // G^T L^-T Y
  let Q = orthonormalise(applyB(omega), n, m)
  for (let it = 0; it < powerIterations; it++) Q = orthonormalise(applyB(applyBT(Q)), n, m)
  const Z = applyBT(Q) // [N, m]; Q^T S Q = Z^T Z
  const T = new Float64Array(m * m)
  for (let i = 0; i < p.rows; i++) {
    for (let a = 0; a < m; a++) {
      const za = Z[i * m + a]
      if (za === 0) continue
      for (let b = 0; b < m; b++) T[a * m + b] += za * Z[i * m + b]
    }
  }
  const { values, vectors } = symmetricEigen(T, m)
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b)
  const kk = Math.min(k, m)
  // U = Q V_k  [n, k]; then M^T = L^-T U.
  const U = new Float64Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < kk; t++) {
      let s = 0
      for (let a = 0; a < m; a++) s += Q[i * m + a] * vectors[a * m + order[t]]
      U[i * k + t] = s
    }
  }
  upperTSolveMany(L, n, U, k)
  const M = new Float64Array(k * n)
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) M[t * n + i] = U[i * k + t]
  return M
}
