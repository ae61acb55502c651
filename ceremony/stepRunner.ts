import { existsSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CeremonyAbortedError } from './errors.ts'
import { readBinFileSections, sha256File, tempPathFor, withLock, writeFileAtomic } from './files.ts'
import { snarkjsLogger, type CapturingLogger, type StepControl } from './progress.ts'
import { readTranscript, signEntry, writeTranscript, type AttestationSigner, type TranscriptEntry } from './transcript.ts'

/**
 * How a ceremony folder survives interruptions. Finished steps are the transcript's entries and
 * their files, which are never redone. `state.json` records the one step in flight (its temporary
 * output) and the files this machine has already verified or produced, so a resumed run deletes
 * the half-written temporary file, redoes only the interrupted step, and does not re-verify a file
 * it made itself. A step's output is written under a temporary name and renamed when complete;
 * the transcript entry is appended after the rename, so a crash in between leaves an orphan file
 * that no entry names, which the next run removes.
 */
export const STATE_FILE = 'state.json'

type InFlight = { step: string; output: string; tmp: string; pid: number; startedAt: string }
export type CeremonyState = { inProgress: InFlight | null; verified: Record<string, string> }

function statePath(dir: string): string {
  return join(dir, STATE_FILE)
}

export function readState(dir: string): CeremonyState {
  const path = statePath(dir)
  if (!existsSync(path)) return { inProgress: null, verified: {} }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'))
    return { inProgress: parsed.inProgress ?? null, verified: parsed.verified ?? {} }
  } catch {
    // state.json only caches work; a damaged one costs a re-verification, never correctness.
    return { inProgress: null, verified: {} }
  }
}

function writeState(dir: string, state: CeremonyState): void {
  writeFileAtomic(statePath(dir), `${JSON.stringify(state, null, 2)}\n`)
}

/** Take the ceremony folder's lock, clean up after an interrupted step, then run `work`. */
export async function withCeremony<T>(dir: string, control: StepControl, work: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true })
  return withLock(join(dir, '.ceremony'), async () => {
    const state = readState(dir)
    if (state.inProgress) {
      const { step, output, tmp } = state.inProgress
      rmSync(join(dir, tmp), { force: true })
      const named = readTranscript(dir).entries.some((e) => e.file === output)
      if (!named) rmSync(join(dir, output), { force: true })
      control.log?.(`resuming: the interrupted ${step} (${output}) is redone; finished steps in the transcript are kept`)
      writeState(dir, { ...state, inProgress: null })
    }
    return work()
  }, `ceremony in ${dir}`)
}

/** Whether `file` (relative) is one this machine already verified or produced, unchanged since. */
export async function alreadyVerified(dir: string, file: string): Promise<boolean> {
  const known = readState(dir).verified[file]
  return known !== undefined && existsSync(join(dir, file)) && known === (await sha256File(join(dir, file)))
}

export async function markVerified(dir: string, file: string, sha256: string): Promise<void> {
  const state = readState(dir)
  writeState(dir, { ...state, verified: { ...state.verified, [file]: sha256 } })
}

/**
 * Run one snarkjs step into a temporary file beside `output` (relative to `dir`), check that the
 * result is a complete binary file, and rename it into place. Returns what `make` returned and the
 * sha256 of the finished file.
 */
export async function produceArtefact<T>(
  dir: string,
  step: string,
  output: string,
  type: 'ptau' | 'zkey',
  control: StepControl,
  make: (tmpPath: string, logger: CapturingLogger['logger']) => Promise<T>,
): Promise<{ value: T; sha256: string }> {
  if (control.signal?.aborted) throw new CeremonyAbortedError({ step })
  const finalPath = join(dir, output)
  mkdirSync(dirname(finalPath), { recursive: true })
  const tmpPath = tempPathFor(finalPath)
  const tmp = tmpPath.slice(dir.length + 1)
  writeState(dir, { ...readState(dir), inProgress: { step, output, tmp, pid: process.pid, startedAt: new Date().toISOString() } })
  const { logger } = snarkjsLogger(step, control)
  // Some steps (prepare phase 2) report nothing for minutes: say every 10 s that the step still runs.
  const started = Date.now()
  const heartbeat = setInterval(() => control.log?.(`${step}: still running after ${Math.round((Date.now() - started) / 1000)} s`), 10_000)
  heartbeat.unref()
  try {
    const value = await make(tmpPath, logger)
    readBinFileSections(tmpPath, type)
    const sha256 = await sha256File(tmpPath)
    renameSync(tmpPath, finalPath)
    return { value, sha256 }
  } catch (error) {
    rmSync(tmpPath, { force: true })
    writeState(dir, { ...readState(dir), inProgress: null })
    throw error
  } finally {
    clearInterval(heartbeat)
  }
}

/** Sign and append one entry, then mark its file verified and the step finished. */
export async function recordStep(
  dir: string,
  entry: Omit<TranscriptEntry, 'signature' | 'address'>,
  signer: AttestationSigner,
): Promise<TranscriptEntry> {
  const signed = await signEntry(entry, signer)
  const transcript = readTranscript(dir)
  transcript.entries.push(signed)
  writeTranscript(dir, transcript)
  const state = readState(dir)
  writeState(dir, { inProgress: null, verified: { ...state.verified, [entry.file]: entry.fileSha256 } })
  return signed
}
