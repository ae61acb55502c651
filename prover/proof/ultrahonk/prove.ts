import { createHash } from 'node:crypto'
import { FIELD_MODULUS } from '../../field/index.ts'
import { WitnessUnsatisfiedError } from '../calculateWitness.ts'
import { CircuitKindError, ProveAbortedError, ProverWorkerError } from '../errors.ts'
import type { ProofPackage } from '../proofPackage.ts'
import { packageAttributionProof, type ProveAttributionParameters } from '../proveAttribution.ts'
import type { ProveInputParameters } from '../proveInput.ts'
import type { Hex } from '../proofSystem.ts'
import { CrsBoundBackend, raceAbort } from './backend.ts'
import { ULTRAHONK_PROOF_BYTES, type UltraHonkProof } from './calldata.ts'
import { readNoirProgram } from '../noir/compileNoir.ts'
import { provingKeyCrs, readUltraHonkProvingKey, UltraHonkKeyError } from './keys.ts'

/** A circom-style value as noir_js takes it: numbers and bigints reduced into the field, as 0x-hex; arrays and objects element-wise. */
function toNoirValue(value: unknown, where: string): unknown {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) {
    return `0x${(((BigInt(value) % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS).toString(16)}`
  }
  if (typeof value === 'string' && /^-?(0|[1-9][0-9]*)$/.test(value)) return toNoirValue(BigInt(value), where)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.map((v, i) => toNoirValue(v, `${where}[${i}]`))
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNoirValue(v, `${where}.${k}`)]))
  throw new TypeError(`input ${where} expected a field element, an array or an object, got ${String(value)}`)
}

/** The program's input from a circom-style input, without a circuit-specific mapping: the same names, every number in the field. */
export function toNoirInput(input: Record<string, unknown>): Record<string, unknown> {
  return toNoirValue(input, 'input') as Record<string, unknown>
}

/**
 * Prove a Noir program's input with UltraHonk keys: the witness with noir_js (in this thread: the
 * ACVM is WebAssembly and fast next to proving), then the proof with bb.js (in Barretenberg's own
 * worker threads) with the keccak transcript the Solidity verifier recomputes. Returns poa's proof
 * JSON and the public inputs the program computed, in its order (public parameters as declared,
 * then a public return value). Not verified here. Throws WitnessUnsatisfiedError when the program
 * rejects the input, ProveAbortedError when `signal` aborts (Barretenberg's worker is terminated).
 */
export async function proveUltraHonkInput({ circuit, keys, input, onProgress = () => {}, signal }: ProveInputParameters): Promise<{ proof: UltraHonkProof; publicSignals: bigint[] }> {
  if (!('programPath' in circuit)) throw new CircuitKindError({ system: 'ultrahonk', circuit: circuit.name, expected: 'a Noir program (programPath), not a circom circuit' })
  if (signal?.aborted) throw new ProveAbortedError({ circuit: circuit.name, stage: 'start' })
  const program = readNoirProgram(circuit.programPath)
  const pk = readUltraHonkProvingKey(keys.zkeyPath)
  const programSha256 = createHash('sha256').update(program.bytecode).digest('hex')
  if (programSha256 !== pk.bytecodeSha256) {
    throw new UltraHonkKeyError({ path: keys.zkeyPath, reason: `set up for another program (bytecode sha256 ${pk.bytecodeSha256}, ${circuit.programPath} has ${programSha256})` })
  }
  const noirInput = circuit.inputOf ? circuit.inputOf(input) : toNoirInput(input)
  const { Noir } = await import('@noir-lang/noir_js')
  let witness: Uint8Array
  try {
    ;({ witness } = await new Noir(program as any).execute(noirInput as any))
  } catch (cause) {
    throw new WitnessUnsatisfiedError({ circuit: circuit.name, cause })
  }
  onProgress({ done: 1, total: 3, unit: 'stages' })
  const backend = new CrsBoundBackend(pk.bytecode, provingKeyCrs(pk, keys.zkeyPath), circuit.name)
  let proofData
  try {
    proofData = await raceAbort(backend.generateProof(witness, { keccak: true }), signal, () => backend.abortNow(), () => new ProveAbortedError({ circuit: circuit.name, stage: 'prove' }))
  } catch (error) {
    if (error instanceof ProveAbortedError) throw error
    throw new ProverWorkerError({ circuit: circuit.name, message: error instanceof Error ? error.message : String(error), cause: error })
  } finally {
    await backend.destroy()
  }
  if (proofData.proof.length !== ULTRAHONK_PROOF_BYTES) {
    throw new ProverWorkerError({ circuit: circuit.name, message: `bb.js returned a ${proofData.proof.length}-byte proof, expected ${ULTRAHONK_PROOF_BYTES}` })
  }
  onProgress({ done: 2, total: 3, unit: 'stages' })
  const proof: UltraHonkProof = { protocol: 'ultrahonk', transcript: 'keccak', proof: `0x${Buffer.from(proofData.proof).toString('hex')}` as Hex }
  return { proof, publicSignals: proofData.publicInputs.map((x) => BigInt(x)) }
}

/**
 * Prove an attribution witness with UltraHonk (the circuit is the Noir attribution program, whose
 * public inputs are the attribution circuit's, in the same order), check the program computed the
 * public inputs the witness builder did, verify the proof against the keys' verification key, and
 * return the proof package (system `ultrahonk`; `circuit.r1csSha256` holds the sha256 of the ACIR
 * bytecode, the statement's identity for a Noir program).
 */
export async function proveUltraHonkAttribution(parameters: ProveAttributionParameters): Promise<ProofPackage> {
  const { circuit, keys, witness, onProgress = () => {}, signal } = parameters
  const { proof, publicSignals } = await proveUltraHonkInput({ circuit, keys, input: witness.input, onProgress, signal })
  const pk = readUltraHonkProvingKey(keys.zkeyPath)
  return packageAttributionProof(parameters, { system: 'ultrahonk', proof, publicSignals, programSha256: pk.bytecodeSha256 })
}
