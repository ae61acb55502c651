import * as snarkjs from 'snarkjs'
import { releaseCurve } from './curve.ts'
import { readProofPackage, type ProofPackage } from './proofPackage.ts'
import { ProofPackageError } from './errors.ts'

export type VerifyProofPackageReturnType = { valid: boolean; circuit: string; publicSignals: bigint[] }

/**
 * Verify a proof package against a Groth16 verification key: check the package's shape, rebuild
 * the public signals in circuit order from its decoded public inputs (they must equal the listed
 * signals), check the key has one IC point per signal, then run snarkjs's verifier. `valid: false`
 * means the proof does not prove these public inputs; a malformed package throws ProofPackageError.
 * Releases the snarkjs curve afterwards unless `keepCurve` (for batches).
 */
export async function verifyProofPackage(
  json: ProofPackage | unknown,
  verificationKey: { nPublic: number; protocol?: string } & Record<string, unknown>,
  { keepCurve = false }: { keepCurve?: boolean } = {},
): Promise<VerifyProofPackageReturnType> {
  const { pkg, publicSignals } = readProofPackage(json)
  if (verificationKey?.protocol !== 'groth16') {
    throw new ProofPackageError({ field: 'verificationKey.protocol', expected: 'groth16', got: verificationKey?.protocol })
  }
  if (verificationKey.nPublic !== publicSignals.length) {
    throw new ProofPackageError({ field: 'verificationKey.nPublic', expected: `${publicSignals.length} (the package's signals)`, got: verificationKey.nPublic })
  }
  try {
    const valid = await snarkjs.groth16.verify(verificationKey, publicSignals.map(String), pkg.proof)
    return { valid: valid === true, circuit: pkg.circuit.name, publicSignals }
  } finally {
    if (!keepCurve) await releaseCurve()
  }
}
