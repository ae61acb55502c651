import { CeremonyAbortedError } from './errors.ts'

export type Progress = { done: number; total: number; unit: string }
export type OnProgress = (progress: Progress) => void

/** What every long ceremony step accepts besides its own parameters. */
export type StepControl = {
  onProgress?: OnProgress
  signal?: AbortSignal
  /** Prose for a human (snarkjs's info lines, resume notices). */
  log?: (line: string) => void
}

/** A snarkjs logger plus the error lines it collected, so a failed verify can say why. */
export type CapturingLogger = {
  logger: { debug(m: string): void; info(m: string): void; log(m: string): void; warn(m: string): void; error(m: string): void }
  errors: string[]
}

/**
 * Turn snarkjs's logger calls into `onProgress` events and an abort point. snarkjs reports
 * progress only as debug lines such as `processing: tauG1: 4096/8191` or `Hashing tauG1: 1024`;
 * those with an `i/N` are forwarded, per section. snarkjs cannot be cancelled from outside, but it
 * calls the logger between chunks: throwing there unwinds the step, whose output is still under
 * its temporary name, so an abort never leaves a finished-looking file.
 */
export function snarkjsLogger(step: string, control: StepControl = {}): CapturingLogger {
  const errors: string[] = []
  let sectionsStarted = 0
  const check = () => {
    if (control.signal?.aborted) throw new CeremonyAbortedError({ step })
  }
  return {
    errors,
    logger: {
      debug(message: string) {
        check()
        // preparePhase2 announces each of its 4 sections (tauG1, tauG2, alphaTauG1, betaTauG1)
        // and has no finer counter of its own: report the section count.
        if (String(message).startsWith('Starting section: ')) {
          control.onProgress?.({ done: sectionsStarted++, total: 4, unit: 'prepared sections' })
          return
        }
        const match = /([A-Za-z][\w ()*]*?):\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(message))
        if (match && control.onProgress) {
          control.onProgress({ done: Number(match[2]), total: Number(match[3]), unit: `${match[1].replace(/^processing:?\s*/i, '').trim()} points` })
        }
      },
      info(message: string) {
        check()
        control.log?.(String(message))
      },
      // powersOfTau.newAccumulator calls logger.log every 100,000 points (2^17 and up).
      log(message: string) {
        check()
        control.log?.(String(message))
      },
      warn(message: string) {
        control.log?.(`warning: ${message}`)
      },
      error(message: string) {
        errors.push(String(message))
      },
    },
  }
}
