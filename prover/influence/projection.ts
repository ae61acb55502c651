import { PoaError } from '../errors/index.ts'
import { gaussianStream } from './seededRandom.ts'
import { solveUpperT } from './gaussNewton.ts'

/**
 * The projection that turns a head gradient g = (p - onehot(y)) (x) [h, 1] (n = C (h+1) numbers)
 * into k attribution features: phi = M g with M a k x n matrix. It is a committed part of the
 * model's attribution setup: it is stored as the `poa.P` initializer of the features ONNX file,
 * whose sha256 the index records. Stored layout: P[c, j, t] = M[t, c (h+1) + j], float32.
 * - 'trak':          M = R, R_ti ~ N(0, 1/k) from `seed` (random projection; E[<Rg, Rg'>] = <g, g'>).
 * - 'whitened-trak': M = R L^-1 where H = L L^T is the Cholesky factor of the head's Gauss-Newton
 *                    Hessian (gaussNewton.ts): <M g_q, M g_i> estimates g_q^T H^-1 g_i, the exact
 *                    influence function of the convex model. L^-1 is a whitening (L^-T L^-1 = H^-1),
 *                    cheaper than H^-1/2 and equivalent after the random projection.
 * - 'whitened-pca':  M = U_k^T L^-1 with U_k the top-k principal directions of the whitened training
 *                    gradients (whitenedPca.ts): the best k-dimensional fit of the exact influence
 *                    function for subset sums; it needs the training set and the Hessian.
 */
export type ProjectionKind = 'trak' | 'whitened-trak' | 'whitened-pca'
export const PROJECTION_KINDS: readonly ProjectionKind[] = ['trak', 'whitened-trak', 'whitened-pca']
export const MIN_K = 1
/** k * (2^15 - 1)^2 < 2^53 keeps every score an exact JS number; 2^22 is far above what circuits take. */
export const MAX_K = 1 << 22

export type Projection = {
  kind: ProjectionKind
  k: number
  seed: number
  classes: number
  hiddenDim: number
  /** [C, h+1, k] row-major float32. */
  matrix: Float32Array
}

export class ProjectionParameterError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('PROJECTION_PARAMETER', 'BAD_INPUT', `projection ${field} = ${String(value)}: expected ${expected}`, { meta: { field, value, expected } })
  }
}

export type BuildProjectionParameters = {
  kind: ProjectionKind
  k: number
  seed: number
  classes: number
  hiddenDim: number
  /** Required for 'whitened-trak': the Cholesky factor (lower, [n, n]) of the head's Hessian. */
  hessianCholesky?: Float64Array
  /** Required for 'whitened-pca': M itself, row-major [k, n] (from whitenedPcaMatrix). */
  rows?: Float64Array
}

export function buildProjection({ kind, k, seed, classes, hiddenDim, hessianCholesky, rows }: BuildProjectionParameters): Projection {
  if (!PROJECTION_KINDS.includes(kind)) throw new ProjectionParameterError({ field: 'kind', value: kind, expected: PROJECTION_KINDS.map((x) => `"${x}"`).join(' or ') })
  if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) throw new ProjectionParameterError({ field: 'k', value: k, expected: `an integer in [${MIN_K}, ${MAX_K}]` })
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ProjectionParameterError({ field: 'seed', value: seed, expected: 'a uint32' })
  const n = classes * (hiddenDim + 1)
  if (kind === 'whitened-pca') {
    if (!rows || rows.length !== k * n) throw new ProjectionParameterError({ field: 'rows', value: rows?.length, expected: `a ${k}x${n} matrix` })
    const matrix = new Float32Array(n * k)
    for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) matrix[i * k + t] = rows[t * n + i]
    return { kind, k, seed, classes, hiddenDim, matrix }
  }
  const gauss = gaussianStream(seed)
  const scale = 1 / Math.sqrt(k)
  const matrix = new Float32Array(n * k)
  const row = new Float64Array(n)
  for (let t = 0; t < k; t++) {
    for (let i = 0; i < n; i++) row[i] = gauss() * scale
    if (kind === 'whitened-trak') {
      if (!hessianCholesky || hessianCholesky.length !== n * n) {
        throw new ProjectionParameterError({ field: 'hessianCholesky', value: hessianCholesky?.length, expected: `a ${n}x${n} Cholesky factor` })
      }
      // Row t of R L^-1 is (L^-T R_t^T)^T.
      solveUpperT(hessianCholesky, n, row)
    }
    for (let i = 0; i < n; i++) matrix[i * k + t] = row[i]
  }
  return { kind, k, seed, classes, hiddenDim, matrix }
}
