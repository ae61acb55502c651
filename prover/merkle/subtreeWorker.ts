import { parentPort } from 'node:worker_threads'
import { getPoseidon } from '../hash/index.ts'

/**
 * Worker side of `hashSubtrees`: hashes one aligned chunk of leaves up to its subtree root and sends
 * back every level above the leaves. Its only state is its own Poseidon instance (each thread
 * instantiates the WebAssembly module once).
 */
export type SubtreeTask = { id: number; leaves: bigint[]; height: number; zeros: bigint[] }
export type SubtreeResult = { id: number; levels: bigint[][] } | { id: number; error: string }

const poseidonReady = getPoseidon()

parentPort!.on('message', async (task: SubtreeTask) => {
  try {
    const poseidon = await poseidonReady
    const levels: bigint[][] = []
    let below = task.leaves
    for (let l = 0; l < task.height; l++) {
      const above: bigint[] = new Array(Math.ceil(below.length / 2))
      for (let i = 0; i < above.length; i++) {
        const right = 2 * i + 1 < below.length ? below[2 * i + 1] : task.zeros[l]
        above[i] = poseidon.hash([below[2 * i], right])
      }
      levels.push(above)
      below = above
    }
    parentPort!.postMessage({ id: task.id, levels } satisfies SubtreeResult)
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) } satisfies SubtreeResult)
  }
})
