import { checkFeatures } from '../index/featureHash.ts'
import { WitnessShapeError } from './errors.ts'

export type ComputeScoresParameters = {
  /** One feature vector per candidate, each of the query's length. */
  candidateFeatures: readonly (readonly bigint[])[]
  queryFeatures: readonly bigint[]
}

/**
 * score_i = <phi_i, phi_q>, the exact integer dot product (scale = the square of the feature scale),
 * the same value the circuit's DotProduct computes. Features are checked within +-(2^15 - 1).
 */
export function computeScores({ candidateFeatures, queryFeatures }: ComputeScoresParameters): bigint[] {
  checkFeatures(queryFeatures, 'queryFeatures')
  return candidateFeatures.map((features, i) => {
    if (features.length !== queryFeatures.length) {
      throw new WitnessShapeError({ where: `candidateFeatures[${i}]`, expected: `${queryFeatures.length} features (the query's length)`, got: features.length })
    }
    checkFeatures(features, `candidateFeatures[${i}]`)
    let score = 0n
    for (let t = 0; t < features.length; t++) score += features[t] * queryFeatures[t]
    return score
  })
}
