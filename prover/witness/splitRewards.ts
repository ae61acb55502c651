import { ValueOutOfRangeError } from '../errors/index.ts'
import { PayoutOverflowError } from './errors.ts'

/** The pool is a uint96 in the circuit (Num2Bits(96)). */
export const POOL_BITS = 96
/** A payout shares a field element with a 160-bit address: payout < 2^93 keeps the slot below r. */
export const PAYOUT_BITS = 93

export type SplitRewardsParameters = {
  /** Contributor reward pool, OPEN wei, 0 <= pool < 2^96. */
  pool: bigint
  /** Signed integer scores; only their positive parts share the pool. */
  scores: readonly bigint[]
}

export type SplitRewardsReturnType = {
  /** payout_i = floor(pool * max(score_i, 0) / sum_j max(score_j, 0)); all 0 when that sum is 0. */
  payouts: bigint[]
  /** The floor divisions' remainders (pool * s_i mod sum), the circuit's hints. */
  remainders: bigint[]
  /** sum_j max(score_j, 0). */
  totalScore: bigint
  /** pool - sum(payouts): less than the number of paid candidates, or the whole pool when none scores. */
  undistributed: bigint
}

/**
 * The reward split of the attribution statement in exact bigint arithmetic: the TS reference that
 * the circuit's RewardSplit must equal. The undistributed rest goes where governance says (the
 * settlement contract), not to any candidate.
 */
export function splitRewards({ pool, scores }: SplitRewardsParameters): SplitRewardsReturnType {
  if (typeof pool !== 'bigint' || pool < 0n || pool >= 1n << BigInt(POOL_BITS)) {
    throw new ValueOutOfRangeError({ where: 'pool', value: pool, min: 0n, max: (1n << BigInt(POOL_BITS)) - 1n })
  }
  const positive = scores.map((s) => (s > 0n ? s : 0n))
  const totalScore = positive.reduce((a, b) => a + b, 0n)
  const payouts = positive.map((s) => (totalScore === 0n ? 0n : (pool * s) / totalScore))
  const remainders = positive.map((s) => (totalScore === 0n ? 0n : (pool * s) % totalScore))
  payouts.forEach((payout, index) => {
    if (payout >= 1n << BigInt(PAYOUT_BITS)) throw new PayoutOverflowError({ index, payout })
  })
  const undistributed = pool - payouts.reduce((a, b) => a + b, 0n)
  return { payouts, remainders, totalScore, undistributed }
}
