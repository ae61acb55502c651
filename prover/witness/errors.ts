import { PoaError } from '../errors/index.ts'

/** More candidates than the circuit has slots, or a vector of the wrong length. */
export class WitnessShapeError extends PoaError {
  constructor({ where, expected, got }: { where: string; expected: string; got: number }) {
    super('WITNESS_SHAPE', 'BAD_INPUT', `${where}: expected ${expected}, got ${got}`, { meta: { where, expected, got } })
  }
}

/** Candidates must have strictly increasing leaf indices (no record paid twice, the circuit's order). */
export class CandidateOrderError extends PoaError {
  constructor({ index, leafIndex, previous }: { index: number; leafIndex: number; previous: number }) {
    super(
      'CANDIDATE_ORDER',
      'BAD_INPUT',
      `candidates[${index}].leafIndex = ${leafIndex} is not greater than candidates[${index - 1}].leafIndex = ${previous} (indices must strictly increase, no duplicates)`,
      { meta: { index, leafIndex, previous } },
    )
  }
}

/** A Merkle proof does not open the claimed leaf at the claimed index under the claimed root. */
export class CandidateProofError extends PoaError {
  constructor({ where, reason }: { where: string; reason: string }) {
    super('CANDIDATE_PROOF_MISMATCH', 'BAD_INPUT', `${where}: ${reason}`, { meta: { where } })
  }
}

/** A payout does not fit the 93 bits a payout slot leaves (contributor + payout * 2^160 < r). */
export class PayoutOverflowError extends PoaError {
  constructor({ index, payout }: { index: number; payout: bigint }) {
    super('PAYOUT_OVERFLOW', 'BAD_INPUT', `payout[${index}] = ${payout} is not < 2^93 (lower the pool)`, { meta: { index, payout } })
  }
}

/** A hex string of the wrong shape (for example an inference id that is not 32 bytes). */
export class InvalidHexError extends PoaError {
  constructor({ where, value, expected }: { where: string; value: string; expected: string }) {
    super('INVALID_HEX', 'BAD_INPUT', `${where}: "${value}" is not ${expected}`, { meta: { where, value, expected } })
  }
}

/** The record a challenge names is no fault of the settlement: it was paid, or it does not score above the threshold. */
export class ChallengeNotAFaultError extends PoaError {
  constructor({ leafIndex, reason }: { leafIndex: number; reason: string }) {
    super('CHALLENGE_NOT_A_FAULT', 'BAD_INPUT', `record ${leafIndex} proves no fault: ${reason}`, { meta: { leafIndex, reason } })
  }
}

/** The paid leaves given for a settlement do not hash to its paidLeavesHash (another settlement's, or a wrong order). */
export class PaidLeavesMismatchError extends PoaError {
  constructor({ expected, got, paidLeaves }: { expected: bigint; got: bigint; paidLeaves: readonly number[] }) {
    super('PAID_LEAVES_MISMATCH', 'BAD_INPUT', `paid leaves [${paidLeaves.join(', ')}] hash to ${got}, not to the settlement's paidLeavesHash ${expected}`, {
      meta: { expected, got, paidLeaves: [...paidLeaves] },
    })
  }
}

/** A candidate that scores 0 or less: the circuit pays only records that score above 0 (a challenger must be able to find every paid record). */
export class CandidateScoreError extends PoaError {
  constructor({ index, leafIndex, score }: { index: number; leafIndex: number; score: bigint }) {
    super(
      'CANDIDATE_NOT_POSITIVE',
      'BAD_INPUT',
      `candidates[${index}] (record ${leafIndex}) scores ${score}: only records that score above 0 can take a slot (leave the slot empty instead)`,
      { meta: { index, leafIndex, score } },
    )
  }
}
