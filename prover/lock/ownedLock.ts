import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { PoaError } from '../errors/index.ts'

/**
 * Cross-process locks that know their owner. A lock is a directory (mkdir is atomic) holding
 * `owner.json`: the holder's pid, its start time as the OS reports it (so a recycled pid is not
 * mistaken for the holder) and what it is doing; the holder may add a progress line. A waiter
 * takes over at once a lock whose holder is dead, and otherwise says every `noticeEveryMs` who it
 * waits for and how far that holder has got. Why not locks judged stale by age: a killed dev setup
 * left its lock behind and every later command waited 30 minutes without a word.
 */
export type LockOwner = {
  pid: number
  /** The holder's start time in clock ticks since boot (Linux /proc), when the OS tells it. */
  processStart?: string
  host: string
  /** What the holder does under the lock, for example `dev setup 2^14`. */
  purpose: string
  /** When the lock was taken (ISO 8601). */
  since: string
}

/** The lock is still held after `timeoutMs`. */
export class LockTimeoutError extends PoaError {
  constructor({ lock, owner, waitedMs }: { lock: string; owner?: LockOwner; waitedMs: number }) {
    const who = owner ? `process ${owner.pid} (${owner.purpose}, since ${owner.since})` : 'a process that has not written its owner yet'
    super('LOCK_TIMEOUT', 'INTERNAL', `${lock} is held by ${who}; waited ${Math.round(waitedMs / 1000)} s`, { meta: { lock, owner, waitedMs } })
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined off Linux. */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** Whether a process with this pid exists and, when its start time is known, is the same process. */
export function processAlive(pid: number, processStart?: string): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (processStart === undefined) return true
  const now = processStartOf(pid)
  return now === undefined || now === processStart
}

const OWNER_FILE = 'owner.json'
const PROGRESS_FILE = 'progress'
/** A lock directory with no owner file yet: its maker is between mkdir and the write, or died there. */
const OWNERLESS_GRACE_MS = 10_000

/** The owner recorded in a lock directory, if it has one (older locks kept a bare `pid` file). */
export function readLockOwner(lock: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(join(lock, OWNER_FILE), 'utf8')) as LockOwner
  } catch {
    const pid = Number(tryRead(join(lock, 'pid')))
    if (Number.isInteger(pid) && pid > 0) return { pid, host: hostname(), purpose: 'unknown (older lock)', since: 'unknown' }
    return undefined
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** Whether the lock at `lock` is held by nobody alive (and may be taken over). */
function abandoned(lock: string, owner: LockOwner | undefined): boolean {
  if (owner === undefined) {
    try {
      return Date.now() - statSync(lock).mtimeMs > OWNERLESS_GRACE_MS
    } catch {
      return false // removed meanwhile: the next mkdir decides
    }
  }
  // Another host's pid says nothing here; such a lock is waited for (shared folders are rare).
  if (owner.host !== hostname()) return false
  return owner.pid !== process.pid && !processAlive(owner.pid, owner.processStart)
}

export type AcquireLockOptions = {
  /** What the holder does, shown to waiters. */
  purpose: string
  /** Give up after this long (default: wait as long as the holder lives). */
  timeoutMs?: number
  /** Where waiting notices go (default: stderr, since a silent wait looks like a hang). */
  onWait?: (notice: string) => void
  /** How often a waiter says who it waits for (default 10 s). */
  noticeEveryMs?: number
  /** Poll interval (default 200 ms). */
  pollMs?: number
}

export type HeldLock = {
  readonly path: string
  /** Publish a progress line for waiters (for example `prepare phase 2: 40%`). */
  report(progress: string): void
  release(): void
}

/**
 * Take the lock directory `lock`, waiting while a live process holds it and taking over at once a
 * lock whose holder died (killed mid-step, crashed) or whose owner file never appeared.
 */
export async function acquireOwnedLock(lock: string, { purpose, timeoutMs, onWait, noticeEveryMs = 10_000, pollMs = 200 }: AcquireLockOptions): Promise<HeldLock> {
  mkdirSync(dirname(lock), { recursive: true })
  const started = Date.now()
  let lastNotice = started
  const notify = onWait ?? ((line: string) => process.stderr.write(`${line}\n`))
  for (;;) {
    try {
      mkdirSync(lock)
      const owner: LockOwner = { pid: process.pid, processStart: processStartOf(process.pid), host: hostname(), purpose, since: new Date().toISOString() }
      const tmp = join(lock, `${OWNER_FILE}.tmp`)
      writeFileSync(tmp, JSON.stringify(owner))
      renameSync(tmp, join(lock, OWNER_FILE))
      return {
        path: lock,
        report(progress) {
          try {
            writeFileSync(join(lock, `${PROGRESS_FILE}.tmp`), progress)
            renameSync(join(lock, `${PROGRESS_FILE}.tmp`), join(lock, PROGRESS_FILE))
          } catch {
            /* progress is advisory: never fail the work for it */
          }
        },
        release() {
          rmSync(lock, { recursive: true, force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = readLockOwner(lock)
    if (abandoned(lock, owner)) {
      // Re-read just before removing, so a lock a third process took meanwhile is not removed.
      const again = readLockOwner(lock)
      if (again?.pid === owner?.pid && again?.processStart === owner?.processStart) {
        const who = owner ? `dead process ${owner.pid} (${owner.purpose})` : 'a process that died before writing its owner'
        notify(`taking over ${lock} left by ${who}`)
        rmSync(lock, { recursive: true, force: true })
      }
      continue
    }
    const waited = Date.now() - started
    if (timeoutMs !== undefined && waited > timeoutMs) throw new LockTimeoutError({ lock, owner, waitedMs: waited })
    if (Date.now() - lastNotice >= noticeEveryMs) {
      lastNotice = Date.now()
      const progress = tryRead(join(lock, PROGRESS_FILE))
      const who = owner ? `process ${owner.pid} (${owner.purpose}, since ${owner.since})` : 'a process starting up'
      notify(`waiting ${Math.round(waited / 1000)} s for ${lock}: held by ${who}${progress ? `; its progress: ${progress}` : ''}`)
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

/** Run `work` holding `lock` (see acquireOwnedLock); the lock is released however `work` ends. */
export async function withOwnedLock<T>(lock: string, options: AcquireLockOptions, work: (held: HeldLock) => Promise<T>): Promise<T> {
  const held = await acquireOwnedLock(lock, options)
  try {
    return await work(held)
  } finally {
    held.release()
  }
}
