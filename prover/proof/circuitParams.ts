import type { CircuitSpec } from './compileCircuit.ts'
import type { AttributionParams } from '../witness/attributionParams.ts'

export type { AttributionParams }

/*
 * The attribution circuit's parameter sets, in one place, so the prover, the settlement verifier
 * and the demo compile and set up the same circuit.
 */

/** Public inputs of `Attribution(K, k, depth)`, in circuit order (docs/architecture.md). */
export const ATTRIBUTION_PUBLIC_INPUTS = ['settlementId', 'datanetRoot', 'indexRoot', 'queryCommitment', 'pool', 'payoutSlot'] as const

/** The spec compileCircuit needs for given parameters; the artifact name carries them. */
export function attributionSpec(params: AttributionParams): CircuitSpec {
  const { candidateSlots: K, featureCount: k, treeDepth: depth } = params
  return {
    name: `attribution_d${depth}_k${k}_K${K}`,
    source: 'circuits/attribution.circom',
    template: 'Attribution',
    params: [K, k, depth],
    publicInputs: [...ATTRIBUTION_PUBLIC_INPUTS],
  }
}

/**
 * Tests and CI: 16,287 constraints + 8 public inputs, fits a 2^14 powers of tau. K = 4 at depth 8
 * would need about 21.4k (each candidate costs about 5.1k, two depth-8 Merkle paths being 3.9k of
 * it), hence K = 3.
 */
export const TINY_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 8, treeDepth: 8 })
/**
 * The default Spam Assassin datanet (6,046 records, depth 13) with the influence engine's k = 32:
 * 25,471 constraints, fits 2^15 (K = 4 would need about 33.5k; K = 4 with k = 16 is 31,930).
 */
export const DEMO_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 32, treeDepth: 13 })
/**
 * Production: 16 candidates, 32 features, depth-20 trees (2^20 records): 183,848 constraints
 * (about 11,490 per candidate; AttributionCandidate(32, 20) alone is 11,200), needs 2^18.
 */
export const PRODUCTION_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 16, featureCount: 32, treeDepth: 20 })

export const TINY_SPEC = attributionSpec(TINY_PARAMS)
export const DEMO_SPEC = attributionSpec(DEMO_PARAMS)
export const PRODUCTION_SPEC = attributionSpec(PRODUCTION_PARAMS)
