import { describe, expect, it } from 'vitest'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { TINY_SPEC, ATTRIBUTION_PUBLIC_INPUTS, CHALLENGE_PUBLIC_INPUTS, TINY_CHALLENGE_SPEC, TINY_PARAMS } from '../prover/proof/circuitParams.ts'

// The documented counts (circuits/attribution.circom and the template headers). A change to any
// template moves them: update the header comments and this table together.
const TINY_CONSTRAINTS = 14_130
/** The challenge circuit at the tiny parameters: one record's openings and score, the query, Poseidon(3). */
const TINY_CHALLENGE_CONSTRAINTS = 5_101
const TEMPLATES: [string, string, string, number[], number][] = [
  ['t_signed_range_16', 'circuits/lib/signedRange.circom', 'SignedRange', [16], 17],
  ['t_positive_part_34', 'circuits/lib/signedRange.circom', 'PositivePart', [34], 36],
  ['t_dot_8', 'circuits/lib/dotProduct.circom', 'DotProduct', [8], 8],
  ['t_index_leaf', 'circuits/lib/indexLeaf.circom', 'IndexLeaf', [], 240],
  ['t_feature_hash_8', 'circuits/lib/featureHash.circom', 'FeatureHash', [8], 349],
  ['t_reward_split_3_33', 'circuits/lib/rewardSplit.circom', 'RewardSplit', [3, 33], 602],
  ['t_paid_threshold_3_33', 'circuits/lib/paidThreshold.circom', 'PaidThreshold', [3, 33], 70],
  ['t_paid_leaves_3', 'circuits/lib/paidLeaves.circom', 'PaidLeavesHash', [3], 264],
  ['t_packed_feature_hash_8_16', 'circuits/lib/packedFeatureHash.circom', 'PackedFeatureHash', [8, 16], 341],
  ['t_quaternary_root_4', 'circuits/lib/merkleQuaternary.circom', 'QuaternaryMerkleRoot', [4], 1_208],
  ['t_record_leaf', 'circuits/lib/recordLeaf.circom', 'RecordLeaf', [], 421],
  ['t_candidate_8_8_16', 'circuits/lib/attributionCandidate.circom', 'AttributionCandidate', [8, 8, 16], 4_195],
]

describe('attribution circuit size', () => {
  it('has the documented constraint count at the tiny parameters and fits a 2^14 powers of tau', async () => {
    const circuit = await compileCircuit(TINY_SPEC)
    const r1cs = await readR1cs(circuit.r1csPath)
    expect(r1cs.nConstraints).toBe(TINY_CONSTRAINTS)
    expect(r1cs.nPublicInputs).toBe(ATTRIBUTION_PUBLIC_INPUTS.length - 1 + TINY_PARAMS.candidateSlots)
    expect(r1cs.nOutputs).toBe(0)
    // Groth16 setup needs constraints + public inputs + 1 <= 2^power.
    expect(r1cs.nConstraints + r1cs.nPublicInputs + 1).toBeLessThanOrEqual(2 ** 14)
  })

  it('has the documented challenge circuit count at the tiny parameters, fitting a 2^13 powers of tau', async () => {
    const circuit = await compileCircuit(TINY_CHALLENGE_SPEC)
    const r1cs = await readR1cs(circuit.r1csPath)
    expect(r1cs.nConstraints).toBe(TINY_CHALLENGE_CONSTRAINTS)
    expect(r1cs.nPublicInputs).toBe(CHALLENGE_PUBLIC_INPUTS.length)
    expect(r1cs.nOutputs).toBe(0)
    expect(r1cs.nConstraints + r1cs.nPublicInputs + 1).toBeLessThanOrEqual(2 ** 13)
  })

  it('has the documented constraint count for each template', async () => {
    for (const [name, source, template, params, documented] of TEMPLATES) {
      const circuit = await compileCircuit({ name, source, template, params, publicInputs: [] })
      expect((await readR1cs(circuit.r1csPath)).nConstraints, `${template}(${params.join(', ')})`).toBe(documented)
    }
  })
})
