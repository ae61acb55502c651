import { getPoseidon, type Poseidon } from '../hash/index.ts'
import { toFr } from '../field/index.ts'
import { PoaError } from '../errors/index.ts'
import { hashSubtrees } from './hashSubtrees.ts'
import { loadNativeHasher } from './nativeHasher.ts'

/** Largest depth we accept: 2^32 leaves is beyond anything one node stores, and keeps indices in a JS number. */
export const MAX_TREE_DEPTH = 32

/**
 * A fixed-depth binary Poseidon Merkle tree. Leaves past `leafCount` are 0, and empty subtrees hash
 * to the precomputed `zeros[level]`, so only the filled part of each level is stored and hashed.
 * Node = Poseidon(left, right); the circuit template `MerkleInclusion(depth)` computes the same.
 */
export type MerkleTree = {
  readonly depth: number
  readonly root: bigint
  readonly leafCount: number
  /** levels[0] are the leaves, levels[depth] = [root]; each holds only its non-empty prefix. */
  readonly levels: readonly (readonly bigint[])[]
  /** zeros[l] = root of an empty subtree of height l. */
  readonly zeros: readonly bigint[]
}

/** An inclusion proof: `siblings[l]` is the sibling at level l; bit l of `leafIndex` says whether the path node is a right child. */
export type MerkleProof = {
  readonly root: bigint
  readonly leaf: bigint
  readonly leafIndex: number
  readonly siblings: readonly bigint[]
}

export type BuildMerkleTreeParameters = {
  leaves: readonly bigint[]
  depth: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  /**
   * Worker threads for the lower levels (default 1 = all in this thread). Worth it from about 2^14
   * leaves: a worker costs ~0.3 s to start (tsx + Poseidon WebAssembly) against ~45 us per hash.
   */
  workers?: number
  signal?: AbortSignal
  /**
   * Who hashes: 'js' (default) the WebAssembly Poseidon, in this thread or `workers` threads;
   * 'native' the C hasher in native/poseidon (with `workers` pthreads), failing if it cannot be
   * built; 'auto' native when available and the tree has at least NATIVE_MIN_LEAVES leaves, else js.
   */
  backend?: MerkleBackend
}

export type MerkleBackend = 'js' | 'native' | 'auto'

/** Below this, spawning the native hasher (a few ms) costs more than hashing in WebAssembly. */
export const NATIVE_MIN_LEAVES = 256

/** `backend: 'native'` was asked for but the C hasher could not be built or failed its self-check. */
export class NativeHasherUnavailableError extends PoaError {
  constructor({ reason }: { reason: string }) {
    super('NATIVE_HASHER_UNAVAILABLE', 'INTERNAL', `native Poseidon hasher unavailable: ${reason} (use backend 'js' or 'auto')`, { meta: { reason } })
  }
}

/** Below this many leaves the workers' start-up costs more than it saves (see bench/merkleTree.bench.ts). */
export const MIN_LEAVES_PER_WORKER = 2048

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) {
    throw new RangeError(`tree depth ${depth} is not an integer in [1, ${MAX_TREE_DEPTH}]`)
  }
}

/** zeros[0] = 0, zeros[l+1] = H(zeros[l], zeros[l]). */
export function zeroHashes(poseidon: Poseidon, depth: number): bigint[] {
  const zeros = [0n]
  for (let l = 0; l < depth; l++) zeros.push(poseidon.hash([zeros[l], zeros[l]]))
  return zeros
}

/** Build the tree over `leaves` (each checked to be a field element). Throws if they do not fit 2^depth. */
export async function buildMerkleTree({ leaves, depth, onProgress, workers: workers_, signal, backend = 'js' }: BuildMerkleTreeParameters): Promise<MerkleTree> {
  checkDepth(depth)
  if (workers_ !== undefined && (!Number.isInteger(workers_) || workers_ < 1)) throw new RangeError(`workers ${workers_} is not an integer >= 1`)
  if (leaves.length > 2 ** depth) throw new RangeError(`${leaves.length} leaves do not fit a tree of depth ${depth} (max ${2 ** depth})`)
  leaves.forEach((leaf, i) => toFr(leaf, `leaf ${i}`))
  const poseidon = await getPoseidon()
  const zeros = zeroHashes(poseidon, depth)
  const levels: bigint[][] = [leaves.slice()]
  const total = Math.max(1, leaves.length)
  let done = 0
  if (backend !== 'js' && leaves.length > 0 && (backend === 'native' || leaves.length >= NATIVE_MIN_LEAVES)) {
    const status = await loadNativeHasher()
    if (status.hasher) {
      signal?.throwIfAborted()
      levels.push(...(await status.hasher.treeLevels(leaves, depth, workers_ ?? 1)))
      signal?.throwIfAborted()
      onProgress?.({ done: total, total, unit: 'hashes' })
      return Object.freeze({ depth, root: levels[depth][0], leafCount: leaves.length, levels, zeros })
    }
    if (backend === 'native') throw new NativeHasherUnavailableError({ reason: status.reason })
  }
  const workers = Math.min(workers_ ?? 1, Math.floor(leaves.length / MIN_LEAVES_PER_WORKER))
  if (workers > 1) {
    // About four chunks per worker balances the load without many round trips.
    const height = Math.min(depth, Math.max(1, Math.ceil(Math.log2(leaves.length / (4 * workers)))))
    const lower = await hashSubtrees({
      leaves, height, zeros, workers, signal,
      onHashes: (hashes) => onProgress?.({ done: Math.min(hashes, total), total, unit: 'hashes' }),
    })
    for (const level of lower) {
      done += level.length
      levels.push(level)
    }
  }
  for (let l = levels.length - 1; l < depth; l++) {
    signal?.throwIfAborted()
    const below = levels[l]
    const above: bigint[] = new Array(Math.ceil(below.length / 2))
    for (let i = 0; i < above.length; i++) {
      const left = below[2 * i]
      const right = 2 * i + 1 < below.length ? below[2 * i + 1] : zeros[l]
      above[i] = poseidon.hash([left, right])
    }
    done += above.length
    onProgress?.({ done: Math.min(done, total), total, unit: 'hashes' })
    levels.push(above)
  }
  const root = levels[depth].length > 0 ? levels[depth][0] : zeros[depth]
  return Object.freeze({ depth, root, leafCount: leaves.length, levels, zeros })
}

/** The inclusion proof of leaf `leafIndex` (which must be below `leafCount`). */
export function getMerkleProof(tree: MerkleTree, leafIndex: number): MerkleProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.leafCount) {
    throw new RangeError(`leaf index ${leafIndex} is outside [0, ${tree.leafCount - 1}]`)
  }
  const siblings: bigint[] = []
  let index = leafIndex
  for (let l = 0; l < tree.depth; l++) {
    const sibling = index ^ 1
    const level = tree.levels[l]
    siblings.push(sibling < level.length ? level[sibling] : tree.zeros[l])
    index >>= 1
  }
  return { root: tree.root, leaf: tree.levels[0][leafIndex], leafIndex, siblings }
}

/** Recompute the root from the proof's leaf, index and siblings. */
export async function computeMerkleRoot(proof: Pick<MerkleProof, 'leaf' | 'leafIndex' | 'siblings'>): Promise<bigint> {
  const poseidon = await getPoseidon()
  let node = proof.leaf
  let index = proof.leafIndex
  for (const sibling of proof.siblings) {
    node = index & 1 ? poseidon.hash([sibling, node]) : poseidon.hash([node, sibling])
    index = Math.floor(index / 2)
  }
  return node
}

/** True when the proof's path leads to its claimed root (and the index fits the depth). */
export async function verifyMerkleProof(proof: MerkleProof): Promise<boolean> {
  if (proof.leafIndex < 0 || proof.leafIndex >= 2 ** proof.siblings.length) return false
  return (await computeMerkleRoot(proof)) === proof.root
}
