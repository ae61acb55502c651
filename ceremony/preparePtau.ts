import { availableParallelism } from 'node:os'
import * as snarkjs from 'snarkjs'
import { runNativeProcess } from '../prover/nativeBuild/index.ts'
import { loadNativeProgram } from '../prover/proof/groth16/nativeProver.ts'
import { CeremonyInputError, PtauPrepareFailedError, PtauPrepareInputError } from './errors.ts'
import type { CapturingLogger } from './progress.ts'

type Logger = CapturingLogger['logger']

/** Which implementation prepared the ptau, and why snarkjs when it was snarkjs. */
export type PtauPrepareChoice = { implementation: 'native'; binary: string; reason?: undefined } | { implementation: 'snarkjs'; binary?: undefined; reason: string }

export type PreparePtauParameters = {
  input: string
  output: string
  /** snarkjs's logger (progress.ts): gets the same "Starting section: <name>" lines from either implementation; throwing from it aborts. */
  logger: Logger
  /** native, snarkjs or auto (default: $POA_PTAU_PREPARE, else auto). */
  choice?: string
  /** Where the native binary is cached (`<buildDir>/native`); default `<package>/build`. */
  buildDir?: string
  /** Threads for the native prepare; default the cores available. */
  threads?: number
  /** An implementation already chosen by choosePtauPrepare (so the caller could say which first). */
  use?: PtauPrepareChoice
  /** Kills the native process at once (snarkjs stops at its next logger call instead). */
  signal?: AbortSignal
}

/**
 * The prepare implementation to run: native (native/groth16/ptau_prepare.c, whose output is
 * byte-identical to snarkjs's) when it compiles, else snarkjs with the reason. `native` insists.
 */
export async function choosePtauPrepare({ choice = process.env.POA_PTAU_PREPARE || 'auto', buildDir }: Pick<PreparePtauParameters, 'choice' | 'buildDir'> = {}): Promise<PtauPrepareChoice> {
  if (choice !== 'auto' && choice !== 'native' && choice !== 'snarkjs') throw new CeremonyInputError({ where: 'POA_PTAU_PREPARE', value: choice, expected: 'auto, native or snarkjs' })
  if (choice === 'snarkjs') return { implementation: 'snarkjs', reason: 'POA_PTAU_PREPARE=snarkjs' }
  const status = await loadNativeProgram('ptau_prepare', { buildDir })
  if (status.binary) return { implementation: 'native', binary: status.binary }
  if (choice === 'native') throw new PtauPrepareFailedError({ file: '', message: `native ptau prepare unavailable: ${status.reason}` })
  return { implementation: 'snarkjs', reason: `native ptau prepare unavailable: ${status.reason}` }
}

/**
 * snarkjs's `powersoftau prepare phase2` (the Lagrange-basis sections 12-15) from `input` into
 * `output`, natively when possible (seconds instead of minutes; the same bytes), else by snarkjs.
 * Returns which one ran.
 */
export async function preparePtau(parameters: PreparePtauParameters): Promise<PtauPrepareChoice> {
  const choice = parameters.use ?? (await choosePtauPrepare(parameters))
  if (choice.implementation === 'snarkjs') await snarkjs.powersOfTau.preparePhase2(parameters.input, parameters.output, parameters.logger)
  else await runNativePrepare(choice.binary, parameters)
  return choice
}

/**
 * Run the native binary. Its "section <name>" lines become the logger's "Starting section" lines
 * (progress); a logger that throws (an abort) kills the process and rejects with that error. A bad
 * input (exit 3) is PtauPrepareInputError naming the file and section.
 */
async function runNativePrepare(binary: string, { input, output, logger, signal, threads = availableParallelism() }: PreparePtauParameters): Promise<void> {
  const kill = new AbortController()
  let stopped: unknown
  const report = (line: string) => {
    try {
      logger.debug(line)
    } catch (error) {
      stopped ??= error
      kill.abort()
    }
  }
  const onAbort = () => report('native prepare: aborted')
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  const onStderr = (d: string) => {
    for (const m of d.matchAll(/^section (\S+)$/gm)) report(`Starting section: ${m[1]}`)
    // Each finished power is a point to stop at (the logger throws once aborted).
    if (/^power /m.test(d)) report('native prepare: power done')
  }
  let exit
  try {
    exit = await runNativeProcess({ binary, args: [input, output, String(Math.min(64, Math.max(1, threads)))], signal: kill.signal, onStderr })
  } catch (error) {
    throw new PtauPrepareFailedError({ file: input, message: `cannot run ${binary}: ${(error as Error).message}` })
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  if (stopped) throw stopped
  const { code, killedBy, stderr } = exit
  if (code === 0) return
  const message = /^ptau_prepare: (.*)$/m.exec(stderr)?.[1]
  if (code === 3 && message) throw new PtauPrepareInputError({ file: input, message })
  throw new PtauPrepareFailedError({ file: input, message: `native ptau prepare exited ${code ?? killedBy}: ${message ?? stderr.trim().slice(-400)}` })
}
