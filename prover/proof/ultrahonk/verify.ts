import { reconstructHonkProof } from '@aztec/bb.js'
import { FIELD_MODULUS } from '../../field/index.ts'
import { ProofPackageError } from '../errors.ts'
import type { VerifyProofParameters } from '../proofSystem.ts'
import { releaseVerifier, verifyOnSharedInstance } from './backend.ts'
import { checkUltraHonkProof } from './calldata.ts'
import { checkUltraHonkVerificationKey } from './circuitId.ts'

/**
 * Check an UltraHonk proof with bb.js against a verification key alone (vk bytes and [tau]G2; no
 * program, no proving key): the key must be an UltraHonk key with one public input per signal (else
 * ProofPackageError naming `verificationKey.*`); a signal outside the field is `false`, as the
 * Solidity verifier answers. `false` means the proof does not prove these signals under this key.
 * The Barretenberg instance is shared by a batch when `keepCurve` (release with `releaseUltraHonk`).
 */
export async function verifyUltraHonk({ verificationKey, proof, publicSignals, keepCurve = false }: VerifyProofParameters): Promise<boolean> {
  const key = checkUltraHonkVerificationKey(verificationKey)
  if (key.nPublic !== publicSignals.length) {
    throw new ProofPackageError({ field: 'verificationKey.nPublic', expected: `${publicSignals.length} (the package's signals)`, got: key.nPublic })
  }
  const checked = checkUltraHonkProof(proof)
  if (publicSignals.some((x) => x < 0n || x >= FIELD_MODULUS)) return false
  const inputs = Buffer.from(publicSignals.map((x) => x.toString(16).padStart(64, '0')).join(''), 'hex')
  return verifyOnSharedInstance({
    proofWithInputs: reconstructHonkProof(inputs, Buffer.from(checked.proof.slice(2), 'hex')),
    vk: Buffer.from(key.vk.slice(2), 'hex'),
    g2: Buffer.from(key.g2.slice(2), 'hex'),
    keep: keepCurve,
  })
}

/** Free the Barretenberg instance a batch of `keepCurve` verifications kept. */
export const releaseUltraHonk = releaseVerifier
