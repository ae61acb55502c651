import { PoaError } from '../errors/index.ts'
import { createWorkerPool } from '../workers/index.ts'
import type { SubtreeResult, SubtreeTask } from './subtreeWorker.ts'

export type HashSubtreesParameters = {
  leaves: readonly bigint[]
  /** Height of each chunk's subtree: chunks are 2^height aligned leaves. */
  height: number
  zeros: readonly bigint[]
  workers: number
  signal?: AbortSignal
  /** Called as chunks finish, with hashes done so far. */
  onHashes?: (hashes: number) => void
}

/** A subtree worker failed on one chunk (its Poseidon failed to load, or the thread died). */
export class SubtreeHashingError extends PoaError {
  constructor({ chunk, cause }: { chunk: number; cause: unknown }) {
    super('SUBTREE_HASHING_FAILED', 'INTERNAL', `Merkle hashing worker failed on chunk ${chunk}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      meta: { chunk },
      cause,
    })
  }
}

/**
 * Hash the lower `height` levels of a Merkle tree in worker threads. The leaves are cut into
 * aligned chunks of 2^height; each chunk is an independent subtree, so workers never wait on each
 * other and the results concatenate level by level. The pool hands chunks out from its queue, so a
 * worker slowed by another process on the same core takes fewer of them. Returns levels 1..height.
 */
export async function hashSubtrees({ leaves, height, zeros, workers, signal, onHashes }: HashSubtreesParameters): Promise<bigint[][]> {
  if (signal?.aborted) throw signal.reason
  const chunkSize = 2 ** height
  const chunkCount = Math.ceil(leaves.length / chunkSize)
  // The worker builds circomlibjs's Poseidon, which loads ffjavascript.
  const pool = createWorkerPool({ from: import.meta.url, worker: 'subtreeWorker', threads: Math.max(1, Math.min(workers, chunkCount)), ffjavascript: true })
  let hashes = 0
  try {
    const results = await Promise.all(
      Array.from({ length: chunkCount }, async (_, id) => {
        const task: SubtreeTask = { leaves: leaves.slice(id * chunkSize, (id + 1) * chunkSize), height, zeros: zeros.slice(0, height) }
        let result: SubtreeResult
        try {
          result = await pool.run(task, { signal })
        } catch (error) {
          throw signal?.aborted ? signal.reason : new SubtreeHashingError({ chunk: id, cause: error })
        }
        hashes += result.levels.reduce((sum, level) => sum + level.length, 0)
        onHashes?.(hashes)
        return result.levels
      }),
    )
    const levels: bigint[][] = []
    for (let l = 0; l < height; l++) {
      const level: bigint[] = []
      for (const chunk of results) for (const node of chunk[l]) level.push(node)
      levels.push(level)
    }
    return levels
  } finally {
    await pool.destroy()
  }
}
