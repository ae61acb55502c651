import { PoaError } from '../errors/index.ts'
import type { CircuitSpec } from './compileCircuit.ts'
import type { AttributionParams } from '../witness/attributionParams.ts'

export type { AttributionParams }

/*
 * The attribution circuit's parameter sets, in one place, so the prover, the settlement verifier
 * and the demo compile and set up the same circuit.
 */

/** Public inputs of `Attribution(K, k, depth)`, in circuit order (docs/architecture.md); payoutSlot is K of them. */
export const ATTRIBUTION_PUBLIC_INPUTS = ['settlementId', 'datanetRoot', 'indexRoot', 'queryCommitment', 'pool', 'threshold', 'paidLeavesHash', 'payoutSlot'] as const

/** Attribution public inputs before the K payout slots (the settlement's FIXED_INPUTS). */
export const ATTRIBUTION_FIXED_INPUTS = ATTRIBUTION_PUBLIC_INPUTS.length - 1

/** Public inputs of `Challenge(K, k, depth)`, in circuit order: the fraud proof of the challenge game. */
export const CHALLENGE_PUBLIC_INPUTS = ['challengeId', 'datanetRoot', 'indexRoot', 'queryCommitment', 'threshold', 'paidLeavesHash'] as const

/**
 * Names of the public inputs of a statement's circuit, in the order every verifier takes them: the
 * attribution circuit's fixed inputs then payoutSlot[0..K), or the challenge circuit's. Every proof
 * system proves the same statements with the same layout, so the settlement reads one ABI.
 */
export function attributionPublicInputLayout(params: AttributionParams, statement: 'attribution' | 'challenge' = 'attribution'): string[] {
  return statement === 'challenge'
    ? [...CHALLENGE_PUBLIC_INPUTS]
    : [...ATTRIBUTION_PUBLIC_INPUTS.slice(0, ATTRIBUTION_FIXED_INPUTS), ...Array.from({ length: params.candidateSlots }, (_, i) => `payoutSlot[${i}]`)]
}

/**
 * Bits of each index feature in the circuit (PackedFeatureHash): 16, so index leaves are the
 * FeatureHash(k) commitments of docs/architecture.md. docs/quality.md measures 13 (10,908 instead
 * of 11,337 constraints per candidate at k = 128, no LDS lost) as the next saving.
 */
export const INDEX_FEATURE_BITS = 16

/** The spec compileCircuit needs for given parameters; the artifact name carries them. */
export function attributionSpec(params: AttributionParams): CircuitSpec {
  const { candidateSlots: K, featureCount: k, treeDepth: depth } = params
  return {
    name: `attribution_d${depth}_k${k}_K${K}`,
    source: 'circuits/attribution.circom',
    template: 'Attribution',
    params: [K, k, depth, INDEX_FEATURE_BITS],
    publicInputs: [...ATTRIBUTION_PUBLIC_INPUTS],
  }
}

/**
 * The challenge circuit of an attribution parameter set: one record of the same datanet and index
 * (same k and depth) against a settlement of K slots. Named like the attribution circuit it
 * challenges (`challenge_d8_k8_K3` for tiny).
 */
export function challengeSpec(params: AttributionParams): CircuitSpec {
  const { candidateSlots: K, featureCount: k, treeDepth: depth } = params
  return {
    name: `challenge_d${depth}_k${k}_K${K}`,
    source: 'circuits/challenge.circom',
    template: 'Challenge',
    params: [K, k, depth, INDEX_FEATURE_BITS],
    publicInputs: [...CHALLENGE_PUBLIC_INPUTS],
  }
}

/**
 * Tests and CI: small and fast, fits a 2^14 powers of tau (13,894 constraints). Models in tests use
 * k = 8 to keep training and witnesses quick; the circuit logic is the same at every k.
 */
export const TINY_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 8, treeDepth: 8 })
/**
 * `poa demo`: the default k = 128 features (docs/quality.md: 0.84x the exact influence function's
 * LDS) over a 256-record datanet, 2 candidates: 16,272 constraints, the most that fits the 2^14
 * powers of tau the tests already prepare (K = 3 would need 2^15).
 */
export const DEMO_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 2, featureCount: 128, treeDepth: 8 })
/**
 * `poa demo --full`: the whole Spam Assassin datanet (6,046 records, depth 14 so the 4-ary index
 * tree has 7 full levels) with k = 128 and 3 candidates: 29,992 constraints, fits 2^15.
 */
export const FULL_DEMO_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 3, featureCount: 128, treeDepth: 14 })
/**
 * Production: 16 candidates, k = 128, depth-20 trees (2^20 records): COUNT constraints (about
 * PER per candidate), needs 2^18.
 */
export const PRODUCTION_PARAMS: AttributionParams = Object.freeze({ candidateSlots: 16, featureCount: 128, treeDepth: 20 })

/** The named parameter sets, as the CLI's `--circuit <set>` and the auditor know them. */
export const CIRCUIT_SETS = Object.freeze({ tiny: TINY_PARAMS, demo: DEMO_PARAMS, full: FULL_DEMO_PARAMS, production: PRODUCTION_PARAMS })
export type CircuitSetName = keyof typeof CIRCUIT_SETS
export const CIRCUIT_SET_NAMES = Object.keys(CIRCUIT_SETS) as CircuitSetName[]

/** What each named set proves, for messages: `tiny (k = 8, depth 8)`. */
export function describeCircuitSets(): string {
  return CIRCUIT_SET_NAMES.map((name) => `${name} (k = ${CIRCUIT_SETS[name].featureCount}, depth ${CIRCUIT_SETS[name].treeDepth})`).join(', ')
}

/** No named circuit set proves a model of this feature count over a datanet of this depth. */
export class NoCircuitSetError extends PoaError {
  constructor({ featureCount, treeDepth, what }: { featureCount: number; treeDepth: number; what: string }) {
    super('NO_CIRCUIT_SET', 'BAD_INPUT',
      `${what} has k = ${featureCount} features over a depth-${treeDepth} datanet, and no circuit set proves that: the sets are ${describeCircuitSets()} (train with --k and create the datanet with --depth of one of them)`,
      { meta: { featureCount, treeDepth, what } })
  }
}

/**
 * The named set whose circuit proves a model of `featureCount` features over a datanet tree of
 * `treeDepth`: a circuit proves exactly one (k, depth), and no two sets share one, so the model's
 * index decides the set (`--circuit auto`). `what` names the model in the error.
 */
export function circuitSetFor({ featureCount, treeDepth, what = 'the model' }: { featureCount: number; treeDepth: number; what?: string }): CircuitSetName {
  const name = findCircuitSet({ featureCount, treeDepth })
  if (name === undefined) throw new NoCircuitSetError({ featureCount, treeDepth, what })
  return name
}

/** The named set whose circuit proves `featureCount` features over a tree of `treeDepth`, if any. */
export function findCircuitSet({ featureCount, treeDepth }: { featureCount: number; treeDepth: number }): CircuitSetName | undefined {
  return circuitSetsOfK(featureCount).find((n) => CIRCUIT_SETS[n].treeDepth === treeDepth)
}

/** The named sets whose circuits prove `featureCount` features, whatever their depth. */
export function circuitSetsOfK(featureCount: number): CircuitSetName[] {
  return CIRCUIT_SET_NAMES.filter((n) => CIRCUIT_SETS[n].featureCount === featureCount)
}

export const TINY_SPEC = attributionSpec(TINY_PARAMS)
export const DEMO_SPEC = attributionSpec(DEMO_PARAMS)
export const FULL_DEMO_SPEC = attributionSpec(FULL_DEMO_PARAMS)
export const PRODUCTION_SPEC = attributionSpec(PRODUCTION_PARAMS)

/** The challenge circuits of the named sets (tiny: 5,101 constraints, 2^13). */
export const TINY_CHALLENGE_SPEC = challengeSpec(TINY_PARAMS)
export const DEMO_CHALLENGE_SPEC = challengeSpec(DEMO_PARAMS)
export const FULL_DEMO_CHALLENGE_SPEC = challengeSpec(FULL_DEMO_PARAMS)
export const PRODUCTION_CHALLENGE_SPEC = challengeSpec(PRODUCTION_PARAMS)
