import { AbiCoder } from 'ethers'
import { BN254_BASE_FIELD } from '../../field/index.ts'
import { ProofPackageError } from '../errors.ts'
import type { Hex, SolidityCalldata } from '../proofSystem.ts'

/** snarkjs's Groth16 proof JSON (decimal strings, projective coordinates). */
export type Groth16Proof = {
  pi_a: string[]
  pi_b: string[][]
  pi_c: string[]
  protocol: 'groth16'
  curve: 'bn128'
}

/** Bytes of a Groth16 proof on-chain: A (2 words), B (4), C (2). */
export const GROTH16_PROOF_BYTES = 256

const coder = AbiCoder.defaultAbiCoder()
const PROOF_TYPES = ['uint256[2]', 'uint256[2][2]', 'uint256[2]']

function coordinate(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) throw new ProofPackageError({ field, expected: 'a decimal string', got: value })
  const x = BigInt(value)
  if (x >= BN254_BASE_FIELD) throw new ProofPackageError({ field, expected: 'below q of BN254', got: value })
  return x
}

/** Check that `proof` is a snarkjs Groth16 proof (pi_a, pi_b, pi_c of field coordinates); names the first bad field. */
export function checkGroth16Proof(proof: unknown, field = 'proof'): Groth16Proof {
  const p = proof as Groth16Proof
  if (p?.protocol !== 'groth16' || !Array.isArray(p.pi_a) || !Array.isArray(p.pi_b) || !Array.isArray(p.pi_c) || !p.pi_b.slice(0, 2).every(Array.isArray)) {
    throw new ProofPackageError({ field, expected: 'a snarkjs groth16 proof (pi_a, pi_b, pi_c)', got: proof })
  }
  return p
}

/**
 * The proof as `IAttributionVerifier.verify` takes it: abi.encode(a, b, c) with b's coordinates
 * swapped into the EIP-197 order (x.c1, x.c0) the pairing precompile reads: 256 bytes.
 */
export function groth16Calldata({ proof, publicSignals }: { proof: unknown; publicSignals: readonly bigint[] }): SolidityCalldata {
  const { pi_a, pi_b, pi_c } = checkGroth16Proof(proof)
  const n = coordinate
  const a = [n(pi_a[0], 'proof.pi_a[0]'), n(pi_a[1], 'proof.pi_a[1]')]
  const b = [
    [n(pi_b[0][1], 'proof.pi_b[0][1]'), n(pi_b[0][0], 'proof.pi_b[0][0]')],
    [n(pi_b[1][1], 'proof.pi_b[1][1]'), n(pi_b[1][0], 'proof.pi_b[1][0]')],
  ]
  const c = [n(pi_c[0], 'proof.pi_c[0]'), n(pi_c[1], 'proof.pi_c[1]')]
  return { proof: coder.encode(PROOF_TYPES, [a, b, c]) as Hex, publicInputs: [...publicSignals] }
}

/** Decode on-chain proof bytes back into snarkjs's JSON (b swapped back, projective 1s restored). */
export function groth16ProofOfCalldata(bytes: Hex): Groth16Proof {
  if (typeof bytes !== 'string' || !/^0x[0-9a-fA-F]*$/.test(bytes) || (bytes.length - 2) / 2 !== GROTH16_PROOF_BYTES) {
    throw new ProofPackageError({ field: 'proof', expected: `${GROTH16_PROOF_BYTES} bytes of hex (abi.encode(a, b, c))`, got: bytes })
  }
  const [a, b, c] = coder.decode(PROOF_TYPES, bytes) as unknown as [bigint[], bigint[][], bigint[]]
  return {
    pi_a: [a[0], a[1], 1n].map(String),
    pi_b: [[b[0][1], b[0][0]], [b[1][1], b[1][0]], [1n, 0n]].map((p) => p.map(String)),
    pi_c: [c[0], c[1], 1n].map(String),
    protocol: 'groth16',
    curve: 'bn128',
  }
}
