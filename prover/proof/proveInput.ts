import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import type { ProverCircuit } from './proofSystem.ts'
import { WitnessUnsatisfiedError } from './calculateWitness.ts'
import { CircuitKindError, ProveAbortedError, ProverWorkerError } from './errors.ts'
import { createWorkerPool } from '../workers/index.ts'
import type { ProveOutcome, ProveProgressMessage, ProveRequest, ProveTask } from './proveWorker.ts'
import { chooseGroth16Prover, type Groth16ProverChoice } from './groth16/nativeProver.ts'
import { runNativeProver, type NativeProverTimings } from './groth16/runNativeProver.ts'

export type ProveProgress = { done: number; total: number; unit: string }

/** Which Groth16 prover ran, and (native) its stage timings and peak memory. */
export type Groth16ProverReport =
  | { prover: 'native'; binary: string; timingsMs: NativeProverTimings; peakRssKb: number; threads: number }
  | { prover: 'snarkjs'; reason: string }

export type RunProveWorkerOptions = {
  /** Told which prover runs, before it starts. */
  onProver?: (choice: Groth16ProverChoice) => void
  /** Default: $POA_PROVER, else auto (native when it builds). */
  proverChoice?: string
  /** Where the native binary is built (`<buildDir>/native`). */
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
}

/**
 * Prove with the native Groth16 prover when it is built (or POA_PROVER=native), else with snarkjs:
 * the witness always comes from the circom WebAssembly in a worker thread; the native prover then
 * reads it from a temporary .wtns in a child process (killed on abort). Resolves with snarkjs's
 * proof JSON, the public signals, and which prover ran.
 */
export async function runProveWorker(request: ProveRequest, circuit: string, onProgress: (p: ProveProgress) => void, signal?: AbortSignal, options: RunProveWorkerOptions = {}) {
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'start' })
  const choice = await chooseGroth16Prover({ choice: options.proverChoice, buildDir: options.buildDir })
  options.onProver?.(choice)
  if (choice.prover === 'snarkjs') {
    const { proof, publicSignals } = await runWorker(request, circuit, onProgress, signal)
    return { proof, publicSignals, report: { prover: 'snarkjs', reason: choice.reason } as Groth16ProverReport }
  }
  const dir = mkdtempSync(join(tmpdir(), 'poa-wtns-'))
  try {
    const wtnsPath = join(dir, 'witness.wtns')
    await runWorker(request, circuit, onProgress, signal, wtnsPath)
    const out = await runNativeProver({ binary: choice.binary, zkeyPath: request.zkeyPath, wtnsPath, circuit, signal })
    onProgress({ done: 2, total: 3, unit: 'stages' })
    const report: Groth16ProverReport = { prover: 'native', binary: choice.binary, timingsMs: out.timingsMs, peakRssKb: out.peakRssKb, threads: out.threads }
    return { proof: out.proof, publicSignals: out.publicSignals, report }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Run the prover worker in a one-thread pool, destroyed afterwards (snarkjs's WebAssembly memory
 * goes with the thread); resolves with snarkjs's proof and public signals, or (with `wtnsPath`)
 * once the witness is written there. Progress comes back on a MessagePort handed to the task.
 * Abort terminates the thread.
 */
async function runWorker(request: ProveRequest, circuit: string, onProgress: (p: ProveProgress) => void, signal?: AbortSignal, wtnsPath?: string): Promise<{ proof: any; publicSignals: string[] }> {
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'start' })
  // The worker loads snarkjs, whose curve spawns ffjavascript threads of its own.
  const pool = createWorkerPool({ from: import.meta.url, worker: 'proveWorker', threads: 1, ffjavascript: true })
  const channel = new MessageChannel()
  let stage = 'witness'
  let reported = 0
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
      const task: ProveTask = { ...request, progress: channel.port2, wtnsPath }
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
    if (outcome.stage === 'witness') throw new WitnessUnsatisfiedError({ circuit, cause: new Error(outcome.message) })
    throw new ProverWorkerError({ circuit, message: outcome.message })
  } finally {
    channel.port1.close()
    await pool.destroy()
  }
}

/**
 * Prove any circuit's input (the challenge circuit's, or the attribution circuit's) with Groth16 in
 * a worker thread: snarkjs's proof JSON and the public signals the circuit computed, in circuit
 * order. Throws WitnessUnsatisfiedError when the circuit rejects the input, ProveAbortedError on abort.
 * Verifying the proof and checking the signals against what the caller expects are the caller's.
 */
export async function proveInput({ circuit, keys, input, onProgress = () => {}, signal, onProver }: ProveInputParameters): Promise<{ proof: any; publicSignals: bigint[] }> {
  if (!('wasmPath' in circuit)) throw new CircuitKindError({ system: 'groth16', circuit: circuit.name, expected: 'a circom circuit (wasmPath), not a Noir program' })
  const { proof, publicSignals } = await runProveWorker({ wasmPath: circuit.wasmPath, zkeyPath: keys.zkeyPath, input }, circuit.name, onProgress, signal, { onProver })
  return { proof, publicSignals: publicSignals.map(BigInt) }
}
