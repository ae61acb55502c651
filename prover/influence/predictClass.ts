import type { SoftmaxWeights } from './trainSoftmax.ts'
import type { SparseVector } from './vectorize.ts'

/**
 * The class a linear softmax predicts for one sparse row: argmax_c (W[c] . x + b[c]), the lowest
 * class index on a tie (softmax is monotone, so the probabilities need not be computed).
 */
export function predictClass(weights: Pick<SoftmaxWeights, 'W' | 'b' | 'classes' | 'dim'>, row: SparseVector): number {
  let best = 0
  let bestZ = -Infinity
  for (let c = 0; c < weights.classes; c++) {
    let z = weights.b[c]
    for (let j = 0; j < row.indices.length; j++) z += weights.W[c * weights.dim + row.indices[j]] * row.values[j]
    if (z > bestZ) [best, bestZ] = [c, z]
  }
  return best
}
