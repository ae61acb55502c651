import { WitnessShapeError } from './errors.ts'

export type PaidThresholdParameters = {
  /** The circuit's slots K. */
  candidateSlots: number
  /** Signed scores of the paid (active) candidates, at most K. */
  scores: readonly bigint[]
}

/**
 * The settlement's threshold, the TS reference of the circuit's PaidThreshold: the smallest
 * max(score, 0) over the K slots, where an empty slot scores 0. So it is 0 unless all K slots are
 * active (then any omitted record with a positive score is a fault), and otherwise the smallest
 * paid score, which an omitted record must beat strictly to prove a fault (ties stay with the prover).
 */
export function paidThreshold({ candidateSlots, scores }: PaidThresholdParameters): bigint {
  if (scores.length > candidateSlots) throw new WitnessShapeError({ where: 'scores', expected: `at most ${candidateSlots} (the circuit's slots)`, got: scores.length })
  if (scores.length < candidateSlots || scores.length === 0) return 0n
  return scores.map((s) => (s > 0n ? s : 0n)).reduce((min, s) => (s < min ? s : min))
}
