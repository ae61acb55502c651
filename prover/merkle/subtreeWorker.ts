import { getPoseidon } from '../hash/index.ts'

/**
 * Piscina worker of `hashSubtrees`: hashes one aligned chunk of leaves up to its subtree root and
 * returns every level above the leaves. Its only state is its own Poseidon instance (each thread
 * instantiates the WebAssembly module once).
 */
export type SubtreeTask = { leaves: bigint[]; height: number; zeros: bigint[] }
export type SubtreeResult = { levels: bigint[][] }

const poseidonReady = getPoseidon()

export default async function hashSubtree(task: SubtreeTask): Promise<SubtreeResult> {
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
  return { levels }
}
