import { availableParallelism } from 'node:os'
import { runNativeProcess } from '../../nativeBuild/index.ts'
import { NativeProverInputError, ProveAbortedError, ProverWorkerError } from '../errors.ts'

export type RunNativeProverParameters = {
  binary: string
  zkeyPath: string
  wtnsPath: string
  /** Circuit name, for errors. */
  circuit: string
  /** Default: the cores available to this process. */
  threads?: number
  /** Called as each stage starts: read, qap, ntt, msm-g1, msm-g2. */
  onStage?: (stage: string) => void
  /** Kills the process. */
  signal?: AbortSignal
}

/** Milliseconds per stage, as the native prover measured them. */
export type NativeProverTimings = { read: number; qap: number; ntt: number; msmG1: number; msmG2: number; finish: number; total: number }

export type RunNativeProverReturnType = {
  /** snarkjs's proof JSON (pi_a, pi_b, pi_c, protocol, curve). */
  proof: any
  /** Decimal strings, in circuit order. */
  publicSignals: string[]
  timingsMs: NativeProverTimings
  /** The prover process's peak resident memory. */
  peakRssKb: number
  /** CPU time of the process, all threads (user + system). */
  cpuMs: number
  threads: number
}

/**
 * Run native/groth16's prover on a .zkey and a .wtns in a child process and parse its output. A
 * bad file (exit 3) becomes NativeProverInputError naming the file and section; abort kills the
 * process and throws ProveAbortedError; any other failure is ProverWorkerError.
 */
export async function runNativeProver({ binary, zkeyPath, wtnsPath, circuit, threads = availableParallelism(), onStage, signal }: RunNativeProverParameters): Promise<RunNativeProverReturnType> {
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'prove' })
  let stage = 'start'
  const onStderr = (d: string) => {
    for (const m of d.matchAll(/^stage (\S+)$/gm)) {
      stage = m[1]
      onStage?.(stage)
    }
  }
  let exit
  try {
    exit = await runNativeProcess({ binary, args: [zkeyPath, wtnsPath, String(threads)], signal, onStderr })
  } catch (error) {
    throw new ProverWorkerError({ circuit, message: `cannot run ${binary}: ${(error as Error).message}`, cause: error })
  }
  const { code, killedBy, stdout, stderr } = exit
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: `prove (native ${stage})` })
  const message = /^groth16: (.*)$/m.exec(stderr)?.[1]
  if (code === 3 && message) {
    const file = message.startsWith(`${zkeyPath}:`) ? zkeyPath : message.startsWith(`${wtnsPath}:`) ? wtnsPath : ''
    throw new NativeProverInputError({ file, message })
  }
  if (code !== 0) throw new ProverWorkerError({ circuit, message: `native prover exited ${code ?? killedBy} during ${stage}: ${message ?? stderr.trim().slice(-400)}` })
  try {
    return JSON.parse(stdout) as RunNativeProverReturnType
  } catch (error) {
    throw new ProverWorkerError({ circuit, message: `native prover wrote unreadable output (${stdout.length} bytes)`, cause: error })
  }
}
