import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
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
export function runNativeProver({ binary, zkeyPath, wtnsPath, circuit, threads = availableParallelism(), onStage, signal }: RunNativeProverParameters): Promise<RunNativeProverReturnType> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ProveAbortedError({ circuit, stage: 'prove' }))
    const child = spawn(binary, [zkeyPath, wtnsPath, String(threads)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let stage = 'start'
    const onAbort = () => child.kill('SIGKILL')
    signal?.addEventListener('abort', onAbort, { once: true })
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      for (const m of d.matchAll(/^stage (\S+)$/gm)) {
        stage = m[1]
        onStage?.(stage)
      }
    })
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(new ProverWorkerError({ circuit, message: `cannot run ${binary}: ${error.message}`, cause: error }))
    })
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort)
      if (signal?.aborted) return reject(new ProveAbortedError({ circuit, stage: `prove (native ${stage})` }))
      const message = /^groth16: (.*)$/m.exec(stderr)?.[1]
      if (code === 3 && message) {
        const file = message.startsWith(`${zkeyPath}:`) ? zkeyPath : message.startsWith(`${wtnsPath}:`) ? wtnsPath : ''
        return reject(new NativeProverInputError({ file, message }))
      }
      if (code !== 0) return reject(new ProverWorkerError({ circuit, message: `native prover exited ${code ?? killedBy} during ${stage}: ${message ?? stderr.trim().slice(-400)}` }))
      try {
        resolve(JSON.parse(stdout) as RunNativeProverReturnType)
      } catch (error) {
        reject(new ProverWorkerError({ circuit, message: `native prover wrote unreadable output (${stdout.length} bytes)`, cause: error }))
      }
    })
  })
}
