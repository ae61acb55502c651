import { readProofPackage, type ProofPackage } from './proofPackage.ts'
import { getProofSystem } from './proofSystems.ts'

export type VerifyProofPackageReturnType = {
  valid: boolean
  circuit: string
  publicSignals: bigint[]
  /** Why `valid` is false when the proof was not even checked (the key is another circuit's). */
  reason?: string
}

/**
 * Verify a proof package against a verification key of its proof system: check the package's
 * shape, rebuild the public signals in circuit order from its decoded public inputs (they must equal
 * the listed signals), check that the key is the package's circuit (its id), then run the system's
 * verifier. `valid: false` means the proof does not prove these public inputs under this key; a
 * malformed package or key throws ProofPackageError. `keepCurve` keeps the prover library's shared
 * state alive for batches.
 */
export async function verifyProofPackage(
  json: ProofPackage | unknown,
  verificationKey: { nPublic: number; protocol?: string } & Record<string, unknown>,
  { keepCurve = false }: { keepCurve?: boolean } = {},
): Promise<VerifyProofPackageReturnType> {
  const { pkg, publicSignals } = readProofPackage(json)
  const system = getProofSystem(pkg.system)
  const base = { circuit: pkg.circuit.name, publicSignals }
  // A key of the right shape but another setup: the id says so before any pairing is computed.
  let keyId: string | undefined
  try {
    keyId = system.circuitId(verificationKey)
  } catch {
    keyId = undefined // a malformed key: the system's verify names what is wrong with it
  }
  if (keyId !== undefined && keyId !== pkg.circuit.id && verificationKey.nPublic === publicSignals.length) {
    return { ...base, valid: false, reason: `the package's circuit id ${pkg.circuit.id} is not the key's ${keyId}` }
  }
  const valid = await system.verify({ verificationKey, proof: pkg.proof, publicSignals, keepCurve })
  return { ...base, valid }
}
