import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { AttributionParams } from '../witness/attributionParams.ts'
import type { AttributionCircuitInput, AttributionPublicInputs } from '../witness/buildAttributionWitness.ts'
import { publicSignalsOf } from '../witness/buildAttributionWitness.ts'
import type { CompiledCircuit } from './compileCircuit.ts'
import { CircuitKindError, ProofRejectedError, ProveAbortedError } from './errors.ts'
import type { NoirCircuit } from './proofSystem.ts'
import { makeProofPackage, type ProofPackage } from './proofPackage.ts'
import { verifyProofPackage } from './verifyProofPackage.ts'
import { runProveWorker } from './proveInput.ts'
import type { WitnessGeneratorChoice } from './nativeWitness/nativeWitness.ts'
import type { ProveRequest } from './proveWorker.ts'
import type { Groth16ProverChoice } from './groth16/nativeProver.ts'
import type { ProofSystemName } from './proofSystemNames.ts'

/**
 * Proving and verification keys of a circuit (what ceremony/devSetup.ts `ensureDevKeys` returns);
 * `circuitId` (over the verification key, proofSystem.ts `CircuitKeys`) goes into the package.
 */
export type ProvingKeys = { zkeyPath: string; verificationKey: any; zkeyHash: string; vkeyPath?: string; circuitId: `0x${string}` }

export type { ProveProgress } from './proveInput.ts'
import type { ProveProgress } from './proveInput.ts'

export type ProveAttributionParameters = {
  /** The compiled circuit: circom's for Groth16, a Noir program for UltraHonk. */
  circuit: CompiledCircuit | NoirCircuit
  keys: ProvingKeys
  params: AttributionParams
  /** From buildAttributionWitness: the circuit input and the decoded public inputs it must prove. */
  witness: { input: AttributionCircuitInput; publicInputs: AttributionPublicInputs }
  /** contentHash of the query input, recorded in the package's commitments. */
  queryInputHash: bigint
  /** The inference settled (recorded in the package for `poa settle`). */
  inferenceId?: string
  /** The prover-fee recipient the settlementId binds (recorded in the package for `poa settle`). */
  prover?: string
  /** Stages: 1 witness, 2 proof, 3 local verification. */
  onProgress?: (p: ProveProgress) => void
  signal?: AbortSignal
  /** Groth16: told which prover runs (native or snarkjs, with the reason), before it starts. */
  onProver?: (choice: Groth16ProverChoice) => void
  /** Groth16: told which witness generator runs (native or wasm, with the reason), before it starts. */
  onWitness?: (choice: WitnessGeneratorChoice) => void
}

const r1csHashes = new Map<string, Promise<string>>()
function r1csSha256(path: string): Promise<string> {
  let h = r1csHashes.get(path)
  if (!h) {
    h = readFile(path).then((b) => createHash('sha256').update(b).digest('hex'))
    r1csHashes.set(path, h)
  }
  return h
}

/**
 * Prove an attribution witness with Groth16 (the native prover when it is built, else snarkjs, in
 * a worker thread: the calling thread stays responsive), verify the proof locally against the verification key, and return the proof
 * package. The worker is terminated on abort. Throws WitnessUnsatisfiedError when the circuit
 * rejects the input, ProofRejectedError if the fresh proof does not verify (wrong keys).
 */
export async function proveAttribution(parameters: ProveAttributionParameters): Promise<ProofPackage> {
  const { circuit, keys, params, witness, onProgress = () => {}, signal } = parameters
  if (!('wasmPath' in circuit)) throw new CircuitKindError({ system: 'groth16', circuit: circuit.name, expected: 'a circom circuit (wasmPath, r1csPath), not a Noir program' })
  const request: ProveRequest = { wasmPath: circuit.wasmPath, zkeyPath: keys.zkeyPath, input: witness.input }
  const { proof, publicSignals } = await runProveWorker(request, circuit.name, onProgress, signal, { onProver: parameters.onProver, onWitness: parameters.onWitness })
  return packageAttributionProof(parameters, { system: 'groth16', proof, publicSignals, programSha256: await r1csSha256(circuit.r1csPath) })
}

/**
 * The part of proving an attribution every system shares: check that the circuit's public signals
 * are the ones the witness builder computed, build the proof package (naming the system, the
 * circuit's program hash and the keys), verify it against the verification key, report stage 3.
 */
export async function packageAttributionProof(
  parameters: ProveAttributionParameters,
  p: { system: ProofSystemName; proof: ProofPackage['proof']; publicSignals: readonly (string | bigint)[]; programSha256: string },
): Promise<ProofPackage> {
  const { circuit, keys, params, witness, onProgress = () => {}, signal } = parameters
  const expected = publicSignalsOf(witness.publicInputs).map(String)
  if (p.publicSignals.length !== expected.length || p.publicSignals.some((s, i) => String(s) !== expected[i])) {
    throw new ProofRejectedError({ circuit: circuit.name, reason: 'the circuit produced public signals other than the witness builder computed' })
  }
  const pkg = makeProofPackage({
    system: p.system,
    circuit: {
      id: keys.circuitId,
      name: circuit.name,
      template: 'Attribution',
      params: { candidateSlots: params.candidateSlots, featureCount: params.featureCount, treeDepth: params.treeDepth },
      r1csSha256: p.programSha256,
      zkeySha256: keys.zkeyHash,
    },
    proof: p.proof,
    publicInputs: witness.publicInputs,
    queryInputHash: parameters.queryInputHash,
    inferenceId: parameters.inferenceId,
    prover: parameters.prover,
  })
  if (signal?.aborted) throw new ProveAbortedError({ circuit: circuit.name, stage: 'verify' })
  const { valid } = await verifyProofPackage(pkg, keys.verificationKey)
  if (!valid) throw new ProofRejectedError({ circuit: circuit.name, reason: 'the fresh proof does not verify against the given verification key' })
  onProgress({ done: 3, total: 3, unit: 'stages' })
  return pkg
}
