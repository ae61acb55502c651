import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'

/** Another live process (or connection) holds the embedded chain of this home. */
export class ChainBusyError extends PoaError {
  constructor({ lock, pid, waitedMs }: { lock: string; pid: number; waitedMs: number }) {
    super('CHAIN_BUSY', 'CHAIN', `${lock} is held by process ${pid} (waited ${waitedMs} ms); close the other poa command first`, { meta: { lock, pid, waitedMs } })
  }
}

/** Whether a process with this pid exists (a lock whose holder died can be taken over). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Hold `<dir>/lock` while an embedded chain is open: two processes replaying the same journal and
 * both appending to it would write two transactions with one nonce, and the journal would no
 * longer replay. A lock left by a dead process is taken over.
 * @returns the release function.
 */
export async function acquireChainLock({ dir, timeoutMs = 60_000 }: { dir: string; timeoutMs?: number }): Promise<() => Promise<void>> {
  const lock = join(dir, 'lock')
  await mkdir(dir, { recursive: true })
  const started = Date.now()
  for (;;) {
    try {
      await mkdir(lock)
      await writeFile(join(lock, 'pid'), String(process.pid))
      return async () => {
        await rm(lock, { recursive: true, force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'))
    // No pid yet: the holder is between mkdir and writeFile; wait like for a live holder.
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      await rm(lock, { recursive: true, force: true })
      continue
    }
    const waitedMs = Date.now() - started
    if (waitedMs > timeoutMs) throw new ChainBusyError({ lock, pid, waitedMs })
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
