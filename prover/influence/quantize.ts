import { toFixed } from '../field/index.ts'
import { FEATURE_BOUND } from '../index/featureBound.ts'
import { PoaError } from '../errors/index.ts'

/**
 * Fixed-point features. A float feature f becomes phi = round_half_even(f * 2^fracBits), with
 * |phi| <= FEATURE_BOUND = 2^15 - 1 (FEATURE_BITS = 16, prover/index/featureHash.ts).
 * fracBits is chosen per index from its own features: the largest f in [0, 40] such that
 * 2 * max|feature| * 2^f <= FEATURE_BOUND (the factor 2 leaves headroom for query features larger
 * than any record's). Index features therefore never clamp; a query feature beyond the bound is
 * clamped to ±FEATURE_BOUND and counted (`clamped`), so the committed phi_q is always in range.
 * Quantisation error per feature is at most 2^-(fracBits+1).
 * Scores: |score| <= k * FEATURE_BOUND^2 < 2^53 for k < 2^23, so a JS number holds it exactly.
 */
export const MAX_FRAC_BITS = 40
const BOUND = Number(FEATURE_BOUND)

export class FeatureScaleError extends PoaError {
  constructor({ maxAbs }: { maxAbs: number }) {
    super('FEATURE_SCALE', 'BAD_INPUT', `feature magnitude ${maxAbs} cannot be quantised: expected a finite value below ${BOUND / 2}`, { meta: { maxAbs, max: BOUND / 2 } })
  }
}

export function chooseFracBits(features: ArrayLike<number>): number {
  let maxAbs = 0
  for (let i = 0; i < features.length; i++) {
    const a = Math.abs(features[i])
    if (!Number.isFinite(a)) throw new FeatureScaleError({ maxAbs: a })
    if (a > maxAbs) maxAbs = a
  }
  if (maxAbs === 0) return MAX_FRAC_BITS
  const f = Math.floor(Math.log2(BOUND / (2 * maxAbs)))
  if (f < 0) throw new FeatureScaleError({ maxAbs })
  return Math.min(MAX_FRAC_BITS, f)
}

export type QuantizeFeaturesReturnType = { values: Int16Array; clamped: number }

/**
 * Quantise floats at `fracBits`. With `clamp: false` an out-of-range value throws a
 * ValueOutOfRangeError naming `where[i]`; with `clamp: true` it is clamped and counted.
 */
export function quantizeFeatures(features: ArrayLike<number>, fracBits: number, { clamp, where }: { clamp: boolean; where: string }): QuantizeFeaturesReturnType {
  const values = new Int16Array(features.length)
  const limit = BOUND / 2 ** fracBits
  let clamped = 0
  for (let i = 0; i < features.length; i++) {
    let f = features[i]
    if (clamp && Math.abs(f) > limit) {
      f = Math.sign(f) * limit
      clamped++
    }
    values[i] = Number(toFixed(f, fracBits, FEATURE_BOUND, `${where}[${i}]`))
  }
  return { values, clamped }
}

/** Signed features as the bigints the commitments and circuits take. */
export function featuresToBigints(values: ArrayLike<number>): bigint[] {
  return Array.from(values as ArrayLike<number>, (v) => BigInt(v))
}
