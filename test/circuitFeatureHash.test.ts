import { describe, expect, it } from 'vitest'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { calculateWitness, WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { featureHash, FEATURE_BOUND } from '../prover/index/featureHash.ts'
import { signedToField } from '../prover/witness/index.ts'
import { randomFeatures, rng } from './witnessFixture.ts'

/** FeatureHash(k) alone: its only output, `hash`, is wire 1. */
async function circuitHash(k: number, features: bigint[]): Promise<bigint> {
  const circuit = await compileCircuit({ name: `t_feature_hash_${k}`, source: 'circuits/lib/featureHash.circom', template: 'FeatureHash', params: [k], publicInputs: [] })
  const witness = await calculateWitness(circuit, { features: features.map(signedToField) })
  return witness[1]
}

describe('FeatureHash(k) circuit', () => {
  it('equals prover/index featureHash for one element, a full element, a split and a Poseidon chain', async () => {
    // k = 8 and 15: one packed element; 16 and 32: 2 and 3 elements; 256: 18 elements, so the chain
    // Poseidon(p0..p15) then Poseidon(h, p16, p17).
    for (const [k, seed] of [[1, 1], [8, 2], [15, 3], [16, 4], [32, 5], [256, 6]] as const) {
      const features = randomFeatures(rng(seed), k)
      expect(await circuitHash(k, features), `k = ${k}, seed ${seed}`).toBe(await featureHash(features))
    }
  })

  it('accepts the bounds +-(2^15 - 1) and rejects 2^15 and -2^15', async () => {
    const edge = [FEATURE_BOUND, -FEATURE_BOUND, 0n, 1n, -1n, FEATURE_BOUND, -FEATURE_BOUND, 0n]
    expect(await circuitHash(8, edge)).toBe(await featureHash(edge))
    for (const bad of [FEATURE_BOUND + 1n, -FEATURE_BOUND - 1n]) {
      const features = edge.slice()
      features[3] = bad
      await expect(circuitHash(8, features)).rejects.toBeInstanceOf(WitnessUnsatisfiedError)
    }
  })
})
