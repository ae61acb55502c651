import type { AttributionParams } from '../witness/attributionParams.ts'
import { publicSignalsOf, type AttributionPublicInputs } from '../witness/buildAttributionWitness.ts'
import { unpackPayoutSlot } from '../witness/payoutSlot.ts'
import { SNARK_SCALAR_FIELD } from '../witness/snarkField.ts'
import { ProofPackageError } from './errors.ts'
import type { Groth16Proof } from './groth16/calldata.ts'
import type { Hex, ProofSystemName, SolidityCalldata } from './proofSystem.ts'
import { getProofSystem, isProofSystemName, PROOF_SYSTEM_NAMES } from './proofSystems.ts'
import type { UltraHonkProof } from './ultrahonk/calldata.ts'

export type { Groth16Proof, SolidityCalldata, UltraHonkProof }

/** A proof in its system's JSON form: snarkjs's for Groth16, bytes for UltraHonk. */
export type SystemProof = Groth16Proof | UltraHonkProof

/**
 * 3: the public inputs carry the challenge game's `threshold` and `paidLeavesHash` (issue 16).
 * 2 named the proof `system` and the `circuit.id` (over the verification key) the settlement keys
 * verifiers by. Older packages are refused with their version named: a v2 proof has neither new
 * input, a v1 package no circuit id, so neither could be settled anyway.
 */
export const PROOF_PACKAGE_SCHEMA_VERSION = 3

/**
 * What a prover publishes: the proof, its public signals, what they mean, and which proof system,
 * circuit and keys made it. JSON-safe: every big number is a decimal string.
 */
export type ProofPackage = {
  schemaVersion: typeof PROOF_PACKAGE_SCHEMA_VERSION
  /** The proof system that made `proof` (its registry name). */
  system: ProofSystemName
  circuit: {
    /** Circuit id over the verification key (0x + 64 hex): what `settle` and the verifier table use. */
    id: Hex
    name: string
    template: 'Attribution'
    params: AttributionParams
    /** sha256 of the r1cs (UltraHonk: of the Noir program's bytecode) and of the proving key: together they identify the statement and the setup. */
    r1csSha256: string
    zkeySha256: string
  }
  /** The proof in its system's JSON form (Groth16: snarkjs's pi_a, pi_b, pi_c; UltraHonk: { protocol, transcript, proof bytes }). */
  proof: SystemProof
  /** Circuit order: settlementId, datanetRoot, indexRoot, queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K]. */
  publicSignals: string[]
  publicInputs: {
    settlementId: string
    datanetRoot: string
    indexRoot: string
    queryCommitment: string
    pool: string
    /** Smallest paid score (0 when a slot is empty): a challenge must prove an omitted record above it. */
    threshold: string
    /** Poseidon of leafIndex + 1 per paid slot (0 per empty one): the paid records, committed. */
    paidLeavesHash: string
    /** Decoded payout slots; an empty slot is contributor 0x000...0 with payout 0. */
    payouts: { contributor: string; payout: string }[]
  }
  /** The commitments the public inputs stand for, with what the prover knows of them. */
  commitments: {
    datanetRoot: string
    indexRoot: string
    queryCommitment: string
    /** contentHash of the query input (keccak256 >> 8): lets an auditor tie the commitment to a query text. */
    queryInputHash: string
    /** The inference this proof settles, when the prover knows it (settlementId is derived from it). */
    inferenceId?: string
    /** The prover-fee recipient settlementId binds, when known: settle must pay this address or fail. */
    prover?: string
  }
  createdAt: string
}

export type MakeProofPackageParameters = {
  /** Default groth16. */
  system?: ProofSystemName
  circuit: ProofPackage['circuit']
  proof: SystemProof
  publicInputs: AttributionPublicInputs
  queryInputHash: bigint
  inferenceId?: string
  prover?: string
}

/** Assemble a package from a proof and the decoded public inputs it was made for. */
export function makeProofPackage({ system = 'groth16', circuit, proof, publicInputs, queryInputHash, inferenceId, prover }: MakeProofPackageParameters): ProofPackage {
  const p = publicInputs
  return {
    schemaVersion: PROOF_PACKAGE_SCHEMA_VERSION,
    system,
    circuit,
    proof,
    publicSignals: publicSignalsOf(p).map(String),
    publicInputs: {
      settlementId: String(p.settlementId),
      datanetRoot: String(p.datanetRoot),
      indexRoot: String(p.indexRoot),
      queryCommitment: String(p.queryCommitment),
      pool: String(p.pool),
      threshold: String(p.threshold),
      paidLeavesHash: String(p.paidLeavesHash),
      payouts: p.payoutSlots.map((slot) => {
        const { contributor, payout } = unpackPayoutSlot(slot)
        return { contributor, payout: String(payout) }
      }),
    },
    commitments: {
      datanetRoot: String(p.datanetRoot),
      indexRoot: String(p.indexRoot),
      queryCommitment: String(p.queryCommitment),
      queryInputHash: String(queryInputHash),
      ...(inferenceId === undefined ? {} : { inferenceId }),
      ...(prover === undefined ? {} : { prover }),
    },
    createdAt: new Date().toISOString(),
  }
}

function decimal(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) throw new ProofPackageError({ field, expected: 'a decimal string', got: value })
  const x = BigInt(value)
  if (x >= SNARK_SCALAR_FIELD) throw new ProofPackageError({ field, expected: 'below r of BN254', got: value })
  return x
}

/**
 * Check a parsed package's shape and rebuild its public signals, in circuit order, from the decoded
 * public inputs: they must equal `publicSignals` element by element, so what a reader sees in
 * `publicInputs` is exactly what the proof is checked against.
 */
export function readProofPackage(json: unknown): { pkg: ProofPackage; publicSignals: bigint[]; publicInputs: AttributionPublicInputs } {
  const pkg = json as ProofPackage
  if (pkg === null || typeof pkg !== 'object') throw new ProofPackageError({ field: '(root)', expected: 'an object', got: json })
  const older: Record<number, string> = {
    1: 'a version 1 package names no proof system and no circuit id over its key',
    2: 'a version 2 proof has no threshold and no paidLeavesHash, which the challenge game needs',
  }
  if (Object.hasOwn(older, pkg.schemaVersion as number)) {
    throw new ProofPackageError({
      field: 'schemaVersion',
      expected: `${PROOF_PACKAGE_SCHEMA_VERSION} (${older[pkg.schemaVersion as number]}: prove it again with this poa)`,
      got: pkg.schemaVersion,
    })
  }
  if (pkg.schemaVersion !== PROOF_PACKAGE_SCHEMA_VERSION) {
    throw new ProofPackageError({ field: 'schemaVersion', expected: String(PROOF_PACKAGE_SCHEMA_VERSION), got: pkg.schemaVersion })
  }
  if (!isProofSystemName(pkg.system)) throw new ProofPackageError({ field: 'system', expected: `one of ${PROOF_SYSTEM_NAMES.join(', ')}`, got: pkg.system })
  if (typeof pkg.circuit?.id !== 'string' || !/^0x[0-9a-f]{64}$/.test(pkg.circuit.id)) {
    throw new ProofPackageError({ field: 'circuit.id', expected: 'a circuit id, 0x and 64 lowercase hex digits', got: pkg.circuit?.id })
  }
  const params = pkg.circuit?.params
  for (const key of ['candidateSlots', 'featureCount', 'treeDepth'] as const) {
    if (!Number.isInteger(params?.[key]) || params[key] < 1) throw new ProofPackageError({ field: `circuit.params.${key}`, expected: 'a positive integer', got: params?.[key] })
  }
  const inputs = pkg.publicInputs
  const K = params.candidateSlots
  if (!Array.isArray(inputs?.payouts) || inputs.payouts.length !== K) {
    throw new ProofPackageError({ field: 'publicInputs.payouts', expected: `${K} slots`, got: inputs?.payouts?.length })
  }
  const payoutSlots = inputs.payouts.map((slot, i) => {
    if (typeof slot?.contributor !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(slot.contributor)) {
      throw new ProofPackageError({ field: `publicInputs.payouts[${i}].contributor`, expected: 'a 20-byte address', got: slot?.contributor })
    }
    const payout = decimal(slot.payout, `publicInputs.payouts[${i}].payout`)
    if (payout >= 1n << 93n) throw new ProofPackageError({ field: `publicInputs.payouts[${i}].payout`, expected: 'below 2^93', got: slot.payout })
    return BigInt(slot.contributor) + (payout << 160n)
  })
  const publicInputs: AttributionPublicInputs = {
    settlementId: decimal(inputs.settlementId, 'publicInputs.settlementId'),
    datanetRoot: decimal(inputs.datanetRoot, 'publicInputs.datanetRoot'),
    indexRoot: decimal(inputs.indexRoot, 'publicInputs.indexRoot'),
    queryCommitment: decimal(inputs.queryCommitment, 'publicInputs.queryCommitment'),
    pool: decimal(inputs.pool, 'publicInputs.pool'),
    threshold: decimal(inputs.threshold, 'publicInputs.threshold'),
    paidLeavesHash: decimal(inputs.paidLeavesHash, 'publicInputs.paidLeavesHash'),
    payoutSlots,
  }
  const rebuilt = publicSignalsOf(publicInputs)
  if (!Array.isArray(pkg.publicSignals) || pkg.publicSignals.length !== rebuilt.length) {
    throw new ProofPackageError({ field: 'publicSignals', expected: `${rebuilt.length} signals`, got: pkg.publicSignals?.length })
  }
  rebuilt.forEach((value, i) => {
    if (decimal(pkg.publicSignals[i], `publicSignals[${i}]`) !== value) {
      throw new ProofPackageError({ field: `publicSignals[${i}]`, expected: `${value} (rebuilt from publicInputs)`, got: pkg.publicSignals[i] })
    }
  })
  // The system checks its own proof's shape (every coordinate in range) by encoding it.
  getProofSystem(pkg.system).calldata({ proof: pkg.proof, publicSignals: rebuilt })
  return { pkg, publicSignals: rebuilt, publicInputs }
}

/**
 * The arguments of the settlement's `settle(inferenceId, circuitId, prover, proof, publicInputs)`
 * (and of the verifier's `verify(proof, publicInputs)`) from a package, encoded by its proof system;
 * the circuit id is `pkg.circuit.id`.
 */
export function toSolidityCalldata(json: ProofPackage): SolidityCalldata {
  const { pkg, publicSignals } = readProofPackage(json)
  return getProofSystem(pkg.system).calldata({ proof: pkg.proof, publicSignals })
}
