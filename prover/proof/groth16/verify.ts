import * as snarkjs from 'snarkjs'
import { releaseCurve } from '../curve.ts'
import { ProofPackageError } from '../errors.ts'
import type { VerifyProofParameters } from '../proofSystem.ts'
import { checkGroth16Proof } from './calldata.ts'

/**
 * Check a Groth16 proof with snarkjs: the key must be a Groth16 key with one IC point per public
 * signal (else ProofPackageError naming `verificationKey.*`); `false` means the proof does not prove
 * these signals under this key. Releases snarkjs's curve afterwards unless `keepCurve` (batches).
 */
export async function verifyGroth16({ verificationKey, proof, publicSignals, keepCurve = false }: VerifyProofParameters): Promise<boolean> {
  if (verificationKey?.protocol !== 'groth16') {
    throw new ProofPackageError({ field: 'verificationKey.protocol', expected: 'groth16', got: verificationKey?.protocol })
  }
  if (verificationKey.nPublic !== publicSignals.length) {
    throw new ProofPackageError({ field: 'verificationKey.nPublic', expected: `${publicSignals.length} (the package's signals)`, got: verificationKey.nPublic })
  }
  const checked = checkGroth16Proof(proof)
  try {
    return (await snarkjs.groth16.verify(verificationKey, publicSignals.map(String), checked)) === true
  } finally {
    if (!keepCurve) await releaseCurve()
  }
}
