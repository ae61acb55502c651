import { runNativeProcess } from '../../nativeBuild/index.ts'
import { WitnessUnsatisfiedError } from '../calculateWitness.ts'
import { ProveAbortedError, ProverWorkerError, WitnessInputError } from '../errors.ts'

export type RunNativeWitnessParameters = {
  binary: string
  /** The circuit's .dat (constants, input table, wire map), from loadNativeWitness. */
  datPath: string
  /** The input JSON (normalizeWitnessInput's output, stringified). */
  inputPath: string
  wtnsPath: string
  /** Circuit name, for errors. */
  circuit: string
  /** Kills the process. */
  signal?: AbortSignal
}

export type RunNativeWitnessReturnType = {
  /** Time inside the process, as it measured it. */
  ms: number
  /** The process's peak resident memory. */
  peakRssKb: number
}

/**
 * Run a circuit's native witness generator (native/witness/witness_main.cpp linked with circom's
 * C++): writes the .wtns, byte for byte what snarkjs's wtns.calculate writes. A bad input (exit 2)
 * is WitnessInputError naming the signal; a failed assertion (the generated code prints it, then
 * aborts) is WitnessUnsatisfiedError naming the template, line and component; abort kills the
 * process (ProveAbortedError); anything else is ProverWorkerError.
 */
export async function runNativeWitness({ binary, datPath, inputPath, wtnsPath, circuit, signal }: RunNativeWitnessParameters): Promise<RunNativeWitnessReturnType> {
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'witness (native)' })
  let exit
  try {
    exit = await runNativeProcess({ binary, args: [datPath, inputPath, wtnsPath], signal, keepLast: 64_000 })
  } catch (error) {
    throw new ProverWorkerError({ circuit, message: `cannot run ${binary}: ${(error as Error).message}`, cause: error })
  }
  const { code, killedBy, stdout, stderr } = exit
  if (signal?.aborted) throw new ProveAbortedError({ circuit, stage: 'witness (native)' })
  const done = /^witness: done ([\d.]+) ms, peak (\d+) KB$/m.exec(stderr)
  if (code === 0 && done) return { ms: Number(done[1]), peakRssKb: Number(done[2]) }
  const input = /^witness: input: (.*)$/m.exec(stderr)?.[1]
  if (code === 2 && input) {
    const named = /^signal (\S+?):? (.*)$/.exec(input)
    throw new WitnessInputError({ circuit, signal: named?.[1], reason: named ? named[2] : input })
  }
  // "Failed assert in template/function Num2Bits_3 line 38. Followed trace of components: main.scorer.n2b"
  const failed = /Failed assert in template\/function (\w+?)(?:_\d+)? line (\d+)\. Followed trace of components: (\S*)/.exec(stdout)
  if (failed) {
    const cause = new Error(failed[0])
    throw new WitnessUnsatisfiedError({ circuit, cause, detail: `assertion failed in ${failed[1]}:${failed[2]} (component ${failed[3]})` })
  }
  const message = /^witness: (.*)$/m.exec(stderr)?.[1] ?? stderr.trim().slice(-400)
  throw new ProverWorkerError({ circuit, message: `native witness generator exited ${code ?? killedBy}: ${message}` })
}
