import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { acquireOwnedLock, LockTimeoutError, type LockOwner } from '../lock/index.ts'

/** Another live process (or connection) holds the embedded chain of this home. */
export class ChainBusyError extends PoaError {
  constructor({ lock, pid, waitedMs }: { lock: string; pid: number; waitedMs: number }) {
    super('CHAIN_BUSY', 'CHAIN', `${lock} is held by process ${pid} (waited ${waitedMs} ms); close the other poa command first`, { meta: { lock, pid, waitedMs } })
  }
}

/**
 * Hold `<dir>/lock` while an embedded chain is open: two processes replaying the same journal and
 * both appending to it would write two transactions with one nonce, and the journal would no
 * longer replay. The lock records its holder; a lock left by a dead process is taken over.
 * @returns the release function.
 */
export async function acquireChainLock({ dir, timeoutMs = 60_000 }: { dir: string; timeoutMs?: number }): Promise<() => Promise<void>> {
  const lock = join(dir, 'lock')
  try {
    const held = await acquireOwnedLock(lock, { purpose: 'embedded chain', timeoutMs, pollMs: 100 })
    return async () => held.release()
  } catch (error) {
    if (error instanceof LockTimeoutError) {
      const meta = error.meta as { owner?: LockOwner; waitedMs: number }
      throw new ChainBusyError({ lock, pid: meta.owner?.pid ?? Number.NaN, waitedMs: meta.waitedMs })
    }
    throw error
  }
}
