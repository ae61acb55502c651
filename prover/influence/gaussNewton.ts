/**
 * The head's Gauss-Newton Hessian and its Cholesky factor. For the softmax head with cross-entropy
 * and L2 strength l2, over parameters ordered theta[c*(h+1) + j] (j = h is the bias):
 *   H = (1/N) sum_n (diag(p_n) - p_n p_n^T) (x) ([h_n,1][h_n,1]^T) + l2 I
 * For the linear model this is the exact Hessian of the training objective, so g_q^T H^-1 g_i is
 * the exact influence function (up to the 1/N factor). l2 > 0 makes H positive definite.
 */
export type GaussNewtonParameters = {
  /** Hidden activations, row-major [N, h] (for the linear model: the input vectors). */
  hidden: Float32Array
  /** Softmax outputs, row-major [N, C]. */
  probs: Float32Array
  rows: number
  hiddenDim: number
  classes: number
  l2: number
}

/** Dense H as Float64Array [n, n], n = C (h + 1); only the lower triangle is filled. */
export function gaussNewtonHessian({ hidden, probs, rows, hiddenDim: h, classes: C, l2 }: GaussNewtonParameters): { H: Float64Array; n: number } {
  const stride = h + 1
  const n = C * stride
  const H = new Float64Array(n * n)
  const idx: number[] = []
  const val: number[] = []
  for (let r = 0; r < rows; r++) {
    idx.length = 0
    val.length = 0
    for (let j = 0; j < h; j++) {
      const v = hidden[r * h + j]
      if (v !== 0) {
        idx.push(j)
        val.push(v)
      }
    }
    idx.push(h)
    val.push(1)
    for (let c1 = 0; c1 < C; c1++) {
      const p1 = probs[r * C + c1]
      for (let c2 = 0; c2 <= c1; c2++) {
        const a = ((c1 === c2 ? p1 : 0) - p1 * probs[r * C + c2]) / rows
        if (a === 0) continue
        for (let u = 0; u < idx.length; u++) {
          const row = (c1 * stride + idx[u]) * n
          const au = a * val[u]
          const base = c2 * stride
          const lim = c1 === c2 ? u + 1 : idx.length
          for (let v = 0; v < lim; v++) H[row + base + idx[v]] += au * val[v]
        }
      }
    }
  }
  // Off-diagonal class blocks were filled only for c2 < c1 with every (u, v); the diagonal blocks
  // only for v <= u, which is the lower triangle. Add the ridge.
  for (let i = 0; i < n; i++) H[i * n + i] += l2
  return { H, n }
}

/** In-place Cholesky of the lower triangle: afterwards L (lower) with H = L L^T. */
export function cholesky(H: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const rj = j * n
    let d = H[rj + j]
    for (let t = 0; t < j; t++) d -= H[rj + t] * H[rj + t]
    if (!(d > 0)) throw new RangeError(`Hessian is not positive definite at pivot ${j} (${d})`)
    const ljj = Math.sqrt(d)
    H[rj + j] = ljj
    for (let i = j + 1; i < n; i++) {
      const ri = i * n
      let s = H[ri + j]
      for (let t = 0; t < j; t++) s -= H[ri + t] * H[rj + t]
      H[ri + j] = s / ljj
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) H[i * n + j] = 0
  return H
}

/** Solve L y = b (forward substitution), in place on b. */
export function solveLower(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]
    const ri = i * n
    for (let t = 0; t < i; t++) s -= L[ri + t] * b[t]
    b[i] = s / L[ri + i]
  }
  return b
}

/** Solve L^T x = b (back substitution), in place on b. */
export function solveUpperT(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]
    for (let t = i + 1; t < n; t++) s -= L[t * n + i] * b[t]
    b[i] = s / L[i * n + i]
  }
  return b
}
