import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import type { ProverCircuit } from './proofSystem.ts'
import { WitnessUnsatisfiedError } from './calculateWitness.ts'
import { CircuitKindError, ProveAbortedError, ProverWorkerError, WitnessInputError } from './errors.ts'
import { createWorkerPool } from '../workers/index.ts'
import type { ProveOutcome, ProveProgressMessage, ProveRequest, ProveTask } from './proveWorker.ts'
import { chooseGroth16Prover, type Groth16ProverChoice } from './groth16/nativeProver.ts'
import { runNativeProver, type NativeProverTimings } from './groth16/runNativeProver.ts'
import { chooseWitnessGenerator, type WitnessGeneratorChoice } from './nativeWitness/nativeWitness.ts'
import { runNativeWitness } from './nativeWitness/runNativeWitness.ts'
import { normalizeWitnessInput } from './nativeWitness/witnessInput.ts'

export type ProveProgress = { done: number; total: number; unit: string }

/** Which Groth16 prover ran, and (native) its stage timings and peak memory. */
export type Groth16ProverReport =
  | { prover: 'native'; binary: string; timingsMs: NativeProverTimings; peakRssKb: number; threads: number }
  | { prover: 'snarkjs'; reason: string }

/** Which witness generator ran, and how long it took (the native one also says its peak memory). */
export type WitnessReport = { generator: 'native'; ms: number; peakRssKb: number } | { generator: 'wasm'; reason: string; ms?: number }

export type RunProveWorkerOptions = {
  /** Told which prover runs, before it starts. */
  onProver?: (choice: Groth16ProverChoice) => void
  /** Told which witness generator runs, before it starts. */
  onWitness?: (choice: WitnessGeneratorChoice) => void
  /** Default: $POA_PROVER, else auto (native when it builds). */
  proverChoice?: string
  /** Default: $POA_WITNESS, else auto (native when it is built). */
  witnessChoice?: string
  /** Where the native binaries are built (`<buildDir>/native`). */
  buildDir?: string
}

export type ProveInputParameters = {
  /** A circom circuit for Groth16, a Noir program for UltraHonk. */
  circuit: ProverCircuit
  keys: { zkeyPath: string }
  /** The circuit's input signals, keyed by name (field elements). */
  input: Record<string, unknown>
  /** Stages: 1 witness, 2 proof. */
  onProgress?: (p: ProveProgress) => void
  signal?: AbortSignal
  /** Told which Groth16 prover runs: native or snarkjs (with the reason). */
  onProver?: (choice: Groth16ProverChoice) => void
  /** Groth16: told which witness generator runs: native or wasm (with the reason). */
  onWitness?: (choice: WitnessGeneratorChoice) => void
}

/**
 * Prove with Groth16: the witness from the circuit's native generator when it is built (or
 * POA_WITNESS=native), else from circom's WebAssembly in a worker thread; the proof from the
 * native prover when it builds (or POA_PROVER=native), else from snarkjs in a worker thread. A
 * native stage reads and writes a temporary .wtns in a child process (killed on abort). The input
 * is checked first (WitnessInputError names a value that is not an integer) and given to either
 * generator as the same decimal strings. Resolves with snarkjs's proof JSON, the public signals,
 * which prover ran and which witness generator ran.
 */
export async function runProveWorker(request: ProveRequest, circuit: string, onProgress: (p: ProveProgress) => void, signal?: AbortSignal, options: RunProveWorkerOptions = {}) {
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'start' })
  const input = normalizeWitnessInput(circuit, request.input)
  const normalized: ProveRequest = { ...request, input }
  const choice = await chooseGroth16Prover({ choice: options.proverChoice, buildDir: options.buildDir })
  const generator = await chooseWitnessGenerator({ circuit: { name: circuit, wasmPath: request.wasmPath }, choice: options.witnessChoice, buildDir: options.buildDir })
  options.onProver?.(choice)
  options.onWitness?.(generator)
  if (choice.prover === 'snarkjs' && generator.generator === 'wasm') {
    const { proof, publicSignals } = await runWorker({ request: normalized, circuit, onProgress, signal })
    return { proof, publicSignals, report: { prover: 'snarkjs', reason: choice.reason } as Groth16ProverReport, witness: { generator: 'wasm', reason: generator.reason } as WitnessReport }
  }
  const dir = mkdtempSync(join(tmpdir(), 'poa-wtns-'))
  try {
    const wtnsPath = join(dir, 'witness.wtns')
    let witness: WitnessReport
    if (generator.generator === 'native') {
      const inputPath = join(dir, 'input.json')
      writeFileSync(inputPath, JSON.stringify(input))
      const out = await runNativeWitness({ binary: generator.binary, datPath: generator.datPath, inputPath, wtnsPath, circuit, signal })
      onProgress({ done: 1, total: 3, unit: 'stages' })
      witness = { generator: 'native', ms: out.ms, peakRssKb: out.peakRssKb }
    } else {
      const start = performance.now()
      await runWorker({ request: normalized, circuit, onProgress, signal, wtnsPath })
      witness = { generator: 'wasm', reason: generator.reason, ms: performance.now() - start }
    }
    if (choice.prover === 'snarkjs') {
      const { proof, publicSignals } = await runWorker({ request: normalized, circuit, onProgress, signal, witnessFrom: wtnsPath })
      return { proof, publicSignals, report: { prover: 'snarkjs', reason: choice.reason } as Groth16ProverReport, witness }
    }
    const out = await runNativeProver({ binary: choice.binary, zkeyPath: request.zkeyPath, wtnsPath, circuit, signal })
    onProgress({ done: 2, total: 3, unit: 'stages' })
    const report: Groth16ProverReport = { prover: 'native', binary: choice.binary, timingsMs: out.timingsMs, peakRssKb: out.peakRssKb, threads: out.threads }
    return { proof: out.proof, publicSignals: out.publicSignals, report, witness }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

type RunWorkerParameters = {
  request: ProveRequest
  circuit: string
  onProgress: (p: ProveProgress) => void
  signal?: AbortSignal
  /** Only compute the witness, into this file. */
  wtnsPath?: string
  /** Prove from this .wtns (stage 1 is then already reported). */
  witnessFrom?: string
}

/**
 * Run the prover worker in a one-thread pool, destroyed afterwards (snarkjs's WebAssembly memory
 * goes with the thread); resolves with snarkjs's proof and public signals, or (with `wtnsPath`)
 * once the witness is written there. Progress comes back on a MessagePort handed to the task.
 * Abort terminates the thread.
 */
async function runWorker({ request, circuit, onProgress, signal, wtnsPath, witnessFrom }: RunWorkerParameters): Promise<{ proof: any; publicSignals: string[] }> {
  // Aborted after the native witness (stage 1 reported): that is during the proof.
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: witnessFrom ? 'prove' : 'start' })
  // The worker loads snarkjs, whose curve spawns ffjavascript threads of its own.
  const pool = createWorkerPool({ from: import.meta.url, worker: 'proveWorker', threads: 1, ffjavascript: true })
  const channel = new MessageChannel()
  let reported = witnessFrom ? 1 : 0
  let stage = witnessFrom ? 'prove' : 'witness'
  const report = (done: number) => {
    for (; reported < done; reported++) {
      stage = reported === 0 ? 'prove' : 'verify'
      onProgress({ done: reported + 1, total: 3, unit: 'stages' })
    }
  }
  channel.port1.on('message', (m: ProveProgressMessage) => report(m.done))
  try {
    let outcome: ProveOutcome
    try {
      const task: ProveTask = { ...request, progress: channel.port2, wtnsPath, witnessFrom }
      outcome = await pool.run(task, { signal, transferList: [channel.port2] })
    } catch (error) {
      if (signal?.aborted) throw new ProveAbortedError({ circuit, stage })
      throw new ProverWorkerError({ circuit, message: error instanceof Error ? error.message : String(error), cause: error })
    }
    // Progress and result travel on different ports, so the result may overtake the last progress
    // message: report any stage still missing, in order; later arrivals are then no-ops.
    if (outcome.type === 'result') {
      report(2)
      return { proof: outcome.proof, publicSignals: outcome.publicSignals }
    }
    if (outcome.type === 'witness') {
      report(1)
      return { proof: undefined, publicSignals: [] }
    }
    if (outcome.stage === 'witness') throw wasmWitnessError(circuit, outcome.message)
    throw new ProverWorkerError({ circuit, message: outcome.message })
  } finally {
    channel.port1.close()
    await pool.destroy()
  }
}

/**
 * The WebAssembly calculator's failure as the native generator's would be: an input it cannot
 * place (unknown signal, wrong count, missing values) is WitnessInputError naming the signal; any
 * other failure is an assertion the input violates (WitnessUnsatisfiedError).
 */
function wasmWitnessError(circuit: string, message: string): Error {
  const unknown = /Signal (\S+?) (?:is not an input of the circuit|not found)/.exec(message)
  if (unknown) return new WitnessInputError({ circuit, signal: unknown[1], reason: 'is not an input of the circuit' })
  const count = /(Not enough|Too many) values for input signal (\S+)/.exec(message)
  if (count) return new WitnessInputError({ circuit, signal: count[2], reason: `${count[1].toLowerCase()} values` })
  const unset = /Not all inputs have been set\. Only (\d+) out of (\d+)/.exec(message)
  if (unset) return new WitnessInputError({ circuit, reason: `only ${unset[1]} of ${unset[2]} input values are set` })
  return new WitnessUnsatisfiedError({ circuit, cause: new Error(message) })
}

/**
 * Prove any circuit's input (the challenge circuit's, or the attribution circuit's) with Groth16 in
 * a worker thread: snarkjs's proof JSON and the public signals the circuit computed, in circuit
 * order. Throws WitnessUnsatisfiedError when the circuit rejects the input, ProveAbortedError on abort.
 * Verifying the proof and checking the signals against what the caller expects are the caller's.
 */
export async function proveInput({ circuit, keys, input, onProgress = () => {}, signal, onProver, onWitness }: ProveInputParameters): Promise<{ proof: any; publicSignals: bigint[] }> {
  if (!('wasmPath' in circuit)) throw new CircuitKindError({ system: 'groth16', circuit: circuit.name, expected: 'a circom circuit (wasmPath), not a Noir program' })
  const { proof, publicSignals } = await runProveWorker({ wasmPath: circuit.wasmPath, zkeyPath: keys.zkeyPath, input }, circuit.name, onProgress, signal, { onProver, onWitness })
  return { proof, publicSignals: publicSignals.map(BigInt) }
}
