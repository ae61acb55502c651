import { getPoseidon } from '../hash/index.ts'
import { CandidateOrderError, WitnessShapeError } from './errors.ts'

/** circomlib's Poseidon takes at most 16 inputs, so PaidLeavesHash (and the circuits) take K <= 16. */
export const MAX_CANDIDATE_SLOTS = 16

export type PaidLeavesParameters = {
  candidateSlots: number
  /** Leaf indices of the paid (active) slots, strictly increasing: the circuit's slot order. */
  leafIndices: readonly number[]
}

/**
 * The K values the settlement's paidLeavesHash commits, slot by slot: leafIndex + 1 for an active
 * slot, 0 for an empty one (the + 1 so that an empty slot never marks leaf 0 as paid).
 */
export function paidLeafValues({ candidateSlots: K, leafIndices }: PaidLeavesParameters): bigint[] {
  if (!Number.isInteger(K) || K < 1 || K > MAX_CANDIDATE_SLOTS) {
    throw new WitnessShapeError({ where: 'candidateSlots', expected: `an integer in [1, ${MAX_CANDIDATE_SLOTS}] (Poseidon takes at most 16 inputs)`, got: K })
  }
  if (leafIndices.length > K) throw new WitnessShapeError({ where: 'leafIndices', expected: `at most ${K} (the circuit's slots)`, got: leafIndices.length })
  leafIndices.forEach((leafIndex, i) => {
    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0) throw new WitnessShapeError({ where: `leafIndices[${i}]`, expected: 'a non-negative integer', got: leafIndex })
    if (i > 0 && leafIndex <= leafIndices[i - 1]) throw new CandidateOrderError({ index: i, leafIndex, previous: leafIndices[i - 1] })
  })
  return Array.from({ length: K }, (_, i) => (i < leafIndices.length ? BigInt(leafIndices[i]) + 1n : 0n))
}

/** paidLeavesHash = Poseidon(p_0, ..., p_{K-1}) of paidLeafValues: the TS reference of the circuits' PaidLeavesHash. */
export async function paidLeavesHash(p: PaidLeavesParameters): Promise<bigint> {
  return (await getPoseidon()).hash(paidLeafValues(p))
}
