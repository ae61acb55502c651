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

/** Tests and CI: fits a 2^14 powers of tau. */
export const TINY_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 8, treeDepth: 8 })
/** The default Spam Assassin datanet (6,046 records, depth 13); fits 2^15. */
export const DEMO_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 32, treeDepth: 13 })
/** Production: 16 candidates, 32 features, depth-20 trees (2^20 records). */
export const PRODUCTION_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 16, featureCount: 32, treeDepth: 20 })

export const TINY_SPEC = attributionSpec(TINY_PARAMS)
export const DEMO_SPEC = attributionSpec(DEMO_PARAMS)
export const PRODUCTION_SPEC = attributionSpec(PRODUCTION_PARAMS)
