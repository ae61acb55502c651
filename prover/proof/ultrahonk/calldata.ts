import { ProofPackageError } from '../errors.ts'
import type { Hex, SolidityCalldata } from '../proofSystem.ts'

/**
 * An UltraHonk proof as poa stores it (a package's `proof`): bb.js's proof bytes without the public
 * inputs (those are the package's signals), made with the keccak transcript the Solidity verifier
 * recomputes. The bytes are exactly what `IAttributionVerifier.verify` takes, so the calldata is the
 * proof itself.
 */
export type UltraHonkProof = {
  protocol: 'ultrahonk'
  transcript: 'keccak'
  proof: Hex
}

/**
 * Field elements in a bb.js 0.82 UltraHonk proof: padded to 440 whatever the circuit's size (the
 * generated verifier's PROOF_SIZE; verifierGen.ts checks the two agree).
 */
export const ULTRAHONK_PROOF_FIELDS = 440
/** Bytes of a proof on-chain: 440 words of 32 bytes. */
export const ULTRAHONK_PROOF_BYTES = ULTRAHONK_PROOF_FIELDS * 32

function proofHex(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value) || (value.length - 2) / 2 !== ULTRAHONK_PROOF_BYTES) {
    throw new ProofPackageError({ field, expected: `${ULTRAHONK_PROOF_BYTES} bytes of 0x-hex (an UltraHonk proof)`, got: value })
  }
  return value.toLowerCase() as Hex
}

/** Check that `proof` is an UltraHonk proof of poa's form (keccak transcript, 14,080 bytes); names the first bad field. */
export function checkUltraHonkProof(proof: unknown, field = 'proof'): UltraHonkProof {
  const p = proof as UltraHonkProof
  if (p?.protocol !== 'ultrahonk') throw new ProofPackageError({ field: `${field}.protocol`, expected: 'ultrahonk', got: p?.protocol })
  if (p.transcript !== 'keccak') throw new ProofPackageError({ field: `${field}.transcript`, expected: 'keccak (the transcript the Solidity verifier recomputes)', got: p.transcript })
  return { protocol: 'ultrahonk', transcript: 'keccak', proof: proofHex(p.proof, `${field}.proof`) }
}

/** The proof as `IAttributionVerifier.verify` takes it: its bytes as they are, and the public signals in circuit order. */
export function ultrahonkCalldata({ proof, publicSignals }: { proof: unknown; publicSignals: readonly bigint[] }): SolidityCalldata {
  return { proof: checkUltraHonkProof(proof).proof, publicInputs: [...publicSignals] }
}

/** Decode on-chain proof bytes back into poa's UltraHonk proof JSON. */
export function ultrahonkProofOfCalldata(bytes: Hex): UltraHonkProof {
  return { protocol: 'ultrahonk', transcript: 'keccak', proof: proofHex(bytes, 'proof') }
}
