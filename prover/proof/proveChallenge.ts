import type { BuildChallengeInputReturnType } from '../witness/buildChallengeInput.ts'
import { ProofRejectedError } from './errors.ts'
import type { ProveProgress } from './proveInput.ts'
import type { Hex, ProofSystemName, ProverCircuit, SolidityCalldata } from './proofSystem.ts'
import { DEFAULT_PROOF_SYSTEM, getProofSystem } from './proofSystems.ts'

export type ProveChallengeParameters = {
  /** The compiled challenge circuit (`challengeSpec(params)`). */
  circuit: ProverCircuit
  /** Its keys; `system` picks the proof system (default groth16). */
  keys: { zkeyPath: string; verificationKey: any; circuitId: Hex; system?: ProofSystemName }
  /** From buildChallengeInput. */
  witness: Pick<BuildChallengeInputReturnType, 'input' | 'publicSignals'>
  onProgress?: (p: ProveProgress) => void
  signal?: AbortSignal
}

export type ProveChallengeReturnType = {
  system: ProofSystemName
  /** The challenge circuit's id over its verification key (what the settlement's challenge verifier reports). */
  circuitId: Hex
  /** The proof in the system's JSON form, and its public signals in circuit order. */
  proof: unknown
  publicSignals: bigint[]
  /** `verify(bytes proof, uint256[] publicInputs)` of the challenge verifier (an IAttributionVerifier). */
  calldata: SolidityCalldata
}

/**
 * Prove a challenge (one omitted record above a settlement's threshold) with the keys' proof system,
 * check that the circuit's public signals are the ones buildChallengeInput computed and that the
 * proof verifies, and return it with the calldata the challenge verifier takes. Throws
 * WitnessUnsatisfiedError when the circuit rejects the input (no fault), ProofRejectedError when the
 * fresh proof does not verify (keys of another circuit).
 */
export async function proveChallenge({ circuit, keys, witness, onProgress, signal }: ProveChallengeParameters): Promise<ProveChallengeReturnType> {
  const name = keys.system ?? DEFAULT_PROOF_SYSTEM
  const system = getProofSystem(name)
  const { proof, publicSignals } = await system.proveInput({ circuit, keys, input: witness.input, onProgress, signal })
  if (publicSignals.length !== witness.publicSignals.length || publicSignals.some((s, i) => s !== witness.publicSignals[i])) {
    throw new ProofRejectedError({ circuit: circuit.name, reason: 'the circuit produced public signals other than the challenge builder computed' })
  }
  if (!(await system.verify({ verificationKey: keys.verificationKey, proof, publicSignals }))) {
    throw new ProofRejectedError({ circuit: circuit.name, reason: 'the fresh proof does not verify against the given verification key' })
  }
  return { system: name, circuitId: keys.circuitId, proof, publicSignals, calldata: system.calldata({ proof, publicSignals }) }
}
