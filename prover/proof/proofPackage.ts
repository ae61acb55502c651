import type { AttributionParams } from '../witness/attributionParams.ts'
import { BN254_BASE_FIELD } from '../field/index.ts'
import { publicSignalsOf, type AttributionPublicInputs } from '../witness/buildAttributionWitness.ts'
import { unpackPayoutSlot } from '../witness/payoutSlot.ts'
import { SNARK_SCALAR_FIELD } from '../witness/snarkField.ts'
import { ProofPackageError } from './errors.ts'

export const PROOF_PACKAGE_SCHEMA_VERSION = 1

/** snarkjs's Groth16 proof JSON (decimal strings, projective coordinates). */
export type Groth16Proof = {
  pi_a: string[]
  pi_b: string[][]
  pi_c: string[]
  protocol: 'groth16'
  curve: 'bn128'
}

/**
 * What a prover publishes: the proof, its public signals, what they mean, and which circuit and
 * keys made it. JSON-safe: every big number is a decimal string.
 */
export type ProofPackage = {
  schemaVersion: typeof PROOF_PACKAGE_SCHEMA_VERSION
  circuit: {
    name: string
    template: 'Attribution'
    params: AttributionParams
    /** sha256 of the r1cs and of the proving key: together they identify the statement and the setup. */
    r1csSha256: string
    zkeySha256: string
  }
  proof: Groth16Proof
  /** Circuit order: settlementId, datanetRoot, indexRoot, queryCommitment, pool, payoutSlot[K]. */
  publicSignals: string[]
  publicInputs: {
    settlementId: string
    datanetRoot: string
    indexRoot: string
    queryCommitment: string
    pool: string
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
  circuit: ProofPackage['circuit']
  proof: Groth16Proof
  publicInputs: AttributionPublicInputs
  queryInputHash: bigint
  inferenceId?: string
  prover?: string
}

/** Assemble a package from a proof and the decoded public inputs it was made for. */
export function makeProofPackage({ circuit, proof, publicInputs, queryInputHash, inferenceId, prover }: MakeProofPackageParameters): ProofPackage {
  const p = publicInputs
  return {
    schemaVersion: PROOF_PACKAGE_SCHEMA_VERSION,
    circuit,
    proof,
    publicSignals: publicSignalsOf(p).map(String),
    publicInputs: {
      settlementId: String(p.settlementId),
      datanetRoot: String(p.datanetRoot),
      indexRoot: String(p.indexRoot),
      queryCommitment: String(p.queryCommitment),
      pool: String(p.pool),
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

function decimal(value: unknown, field: string, modulus = SNARK_SCALAR_FIELD): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) throw new ProofPackageError({ field, expected: 'a decimal string', got: value })
  const x = BigInt(value)
  if (x >= modulus) throw new ProofPackageError({ field, expected: `below ${modulus === SNARK_SCALAR_FIELD ? 'r' : 'q'} of BN254`, got: value })
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
  if (pkg.schemaVersion !== PROOF_PACKAGE_SCHEMA_VERSION) {
    throw new ProofPackageError({ field: 'schemaVersion', expected: String(PROOF_PACKAGE_SCHEMA_VERSION), got: pkg.schemaVersion })
  }
  const params = pkg.circuit?.params
  for (const key of ['candidateSlots', 'featureCount', 'treeDepth'] as const) {
    if (!Number.isInteger(params?.[key]) || params[key] < 1) throw new ProofPackageError({ field: `circuit.params.${key}`, expected: 'a positive integer', got: params?.[key] })
  }
  const proof = pkg.proof
  if (proof?.protocol !== 'groth16' || !Array.isArray(proof.pi_a) || !Array.isArray(proof.pi_b) || !Array.isArray(proof.pi_c)) {
    throw new ProofPackageError({ field: 'proof', expected: 'a snarkjs groth16 proof (pi_a, pi_b, pi_c)', got: proof })
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
  return { pkg, publicSignals: rebuilt, publicInputs }
}

/** Groth16 proof and signals as the Solidity verifier takes them (b's coordinates swapped: EIP-197 order). */
export type SolidityCalldata = {
  a: [bigint, bigint]
  b: [[bigint, bigint], [bigint, bigint]]
  c: [bigint, bigint]
  pubSignals: bigint[]
}

/** The settlement's `settle(..., a, b, c, publicInputs)` arguments from a package. */
export function toSolidityCalldata(json: ProofPackage): SolidityCalldata {
  const { pkg, publicSignals } = readProofPackage(json)
  const n = (v: string, field: string) => decimal(v, field, BN254_BASE_FIELD)
  const { pi_a, pi_b, pi_c } = pkg.proof
  return {
    a: [n(pi_a[0], 'proof.pi_a[0]'), n(pi_a[1], 'proof.pi_a[1]')],
    b: [
      [n(pi_b[0][1], 'proof.pi_b[0][1]'), n(pi_b[0][0], 'proof.pi_b[0][0]')],
      [n(pi_b[1][1], 'proof.pi_b[1][1]'), n(pi_b[1][0], 'proof.pi_b[1][0]')],
    ],
    c: [n(pi_c[0], 'proof.pi_c[0]'), n(pi_c[1], 'proof.pi_c[1]')],
    pubSignals: publicSignals,
  }
}
