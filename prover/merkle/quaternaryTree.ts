import { getPoseidon, type Poseidon } from '../hash/index.ts'
import { toFr } from '../field/index.ts'
import { MAX_TREE_DEPTH, NATIVE_MIN_LEAVES, NativeHasherUnavailableError, type MerkleBackend } from './merkleTree.ts'
import { loadNativeHasher } from './nativeHasher.ts'
import { bytesToFields, fieldsToBytes } from './fieldBytes.ts'

/**
 * A fixed-depth 4-ary Poseidon Merkle tree: node = Poseidon(c0, c1, c2, c3), empty leaf 0, empty
 * subtrees hash to `zeros[level]`. The attribution index uses it (docs/architecture.md): a 4-ary
 * level costs one Poseidon(4) (297 constraints) where two binary levels cost two Poseidon(2) (480),
 * so an index path at depth 20 is 10 levels. Leaf i sits at position (i >> 2l) & 3 of its level-l
 * parent, so a leafIndex addresses the same leaf as in a binary tree of depth 2 * levels, and one
 * leafIndex opens the binary datanet tree and this tree at the same record. The circuit twin is
 * `QuaternaryMerkleRoot(levels)` in circuits/lib/merkleQuaternary.circom.
 */
export type QuaternaryTree = {
  readonly arity: 4
  readonly levels: number
  readonly root: bigint
  readonly leafCount: number
  /** layers[0] are the leaves, layers[levels] = [root]; each holds only its non-empty prefix. */
  readonly layers: readonly (readonly bigint[])[]
  /** zeros[l] = root of an empty subtree of height l. */
  readonly zeros: readonly bigint[]
}

/**
 * An inclusion proof: `children[l]` are the four children of the level-l parent on the path, the
 * path node included at position (leafIndex >> 2l) & 3 (that is what the circuit takes).
 */
export type QuaternaryProof = {
  readonly root: bigint
  readonly leaf: bigint
  readonly leafIndex: number
  readonly children: readonly (readonly bigint[])[]
}

/** 4-ary levels that hold 2^depth leaves: ceil(depth / 2). */
export function quaternaryLevels(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) throw new RangeError(`tree depth ${depth} is not an integer in [1, ${MAX_TREE_DEPTH}]`)
  return Math.ceil(depth / 2)
}

function checkLevels(levels: number): void {
  if (!Number.isInteger(levels) || levels < 1 || 2 * levels > MAX_TREE_DEPTH + 1) {
    throw new RangeError(`4-ary tree levels ${levels} is not an integer in [1, ${Math.ceil(MAX_TREE_DEPTH / 2)}]`)
  }
}

/** zeros[0] = 0, zeros[l+1] = Poseidon(zeros[l] x 4). */
export function quaternaryZeroHashes(poseidon: Poseidon, levels: number): bigint[] {
  const zeros = [0n]
  for (let l = 0; l < levels; l++) zeros.push(poseidon.hash([zeros[l], zeros[l], zeros[l], zeros[l]]))
  return zeros
}

export type BuildQuaternaryTreeParameters = {
  leaves: readonly bigint[]
  levels: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
  /**
   * Who hashes: 'js' (default) the WebAssembly Poseidon(4) in this thread, 'native' the C hasher
   * (native/poseidon, `threads` pthreads), failing if it cannot be built, 'auto' native when it is
   * available and there are at least NATIVE_MIN_LEAVES leaves. Same tree either way.
   */
  backend?: MerkleBackend
  threads?: number
}

/**
 * Build the tree over `leaves` (each checked to be a field element). About a third of a hash per
 * leaf: in WebAssembly in this thread 2^20 leaves take ~30 s; natively a few seconds.
 */
export async function buildQuaternaryTree({ leaves, levels, onProgress, signal, backend = 'js', threads = 1 }: BuildQuaternaryTreeParameters): Promise<QuaternaryTree> {
  checkLevels(levels)
  if (leaves.length > 4 ** levels) throw new RangeError(`${leaves.length} leaves do not fit a 4-ary tree of ${levels} levels (max ${4 ** levels})`)
  leaves.forEach((leaf, i) => toFr(leaf, `leaf ${i}`))
  const poseidon = await getPoseidon()
  const zeros = quaternaryZeroHashes(poseidon, levels)
  const layers: bigint[][] = [leaves.slice()]
  const total = Math.max(1, Math.ceil(leaves.length / 3))
  if (backend !== 'js' && leaves.length > 0 && (backend === 'native' || leaves.length >= NATIVE_MIN_LEAVES)) {
    const status = await loadNativeHasher()
    if (status.hasher) {
      signal?.throwIfAborted()
      for (const level of await status.hasher.treeLevelBytes(fieldsToBytes(leaves), levels, 4, threads)) layers.push(bytesToFields(level))
      signal?.throwIfAborted()
      onProgress?.({ done: total, total, unit: 'hashes' })
      return Object.freeze({ arity: 4 as const, levels, root: layers[levels][0], leafCount: leaves.length, layers, zeros })
    }
    if (backend === 'native') throw new NativeHasherUnavailableError({ reason: status.reason })
  }
  let done = 0
  for (let l = 0; l < levels; l++) {
    signal?.throwIfAborted()
    const below = layers[l]
    const above: bigint[] = new Array(Math.ceil(below.length / 4))
    for (let j = 0; j < above.length; j++) {
      const c = (t: number) => (4 * j + t < below.length ? below[4 * j + t] : zeros[l])
      above[j] = poseidon.hash([c(0), c(1), c(2), c(3)])
      if (++done % 4096 === 0) {
        signal?.throwIfAborted()
        onProgress?.({ done: Math.min(done, total), total, unit: 'hashes' })
      }
    }
    layers.push(above)
  }
  onProgress?.({ done: total, total, unit: 'hashes' })
  const root = layers[levels].length > 0 ? layers[levels][0] : zeros[levels]
  return Object.freeze({ arity: 4 as const, levels, root, leafCount: leaves.length, layers, zeros })
}

/** The inclusion proof of leaf `leafIndex` (which must be below `leafCount`). */
export function getQuaternaryProof(tree: QuaternaryTree, leafIndex: number): QuaternaryProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.leafCount) {
    throw new RangeError(`leaf index ${leafIndex} is outside [0, ${tree.leafCount - 1}]`)
  }
  const children: bigint[][] = []
  let index = leafIndex
  for (let l = 0; l < tree.levels; l++) {
    const first = index - (index % 4)
    const layer = tree.layers[l]
    children.push([0, 1, 2, 3].map((t) => (first + t < layer.length ? layer[first + t] : tree.zeros[l])))
    index = Math.floor(index / 4)
  }
  return { root: tree.root, leaf: tree.layers[0][leafIndex], leafIndex, children }
}

/**
 * Recompute the root from the proof, checking at each level that the path node sits at its
 * position among the children (what `QuaternaryChild` constrains). Returns undefined when it does not.
 */
export async function computeQuaternaryRoot(proof: Pick<QuaternaryProof, 'leaf' | 'leafIndex' | 'children'>): Promise<bigint | undefined> {
  const poseidon = await getPoseidon()
  let node = proof.leaf
  let index = proof.leafIndex
  for (const children of proof.children) {
    if (children.length !== 4 || children[index % 4] !== node) return undefined
    node = poseidon.hash(children)
    index = Math.floor(index / 4)
  }
  return node
}

/** True when the proof's path leads to its claimed root (and the index fits the tree). */
export async function verifyQuaternaryProof(proof: QuaternaryProof): Promise<boolean> {
  if (!Number.isInteger(proof.leafIndex) || proof.leafIndex < 0 || proof.leafIndex >= 4 ** proof.children.length) return false
  return (await computeQuaternaryRoot(proof)) === proof.root
}

/**
 * Children for a path that opens nothing: `leaf` at position (leafIndex >> 2l) & 3 of each level,
 * zero siblings. The circuit's position check is not gated by a slot's `active` flag (gating it
 * would cost constraints), so an empty attribution slot still needs a consistent path; its root is
 * never compared.
 */
export async function paddingQuaternaryChildren(leaf: bigint, leafIndex: number, levels: number): Promise<bigint[][]> {
  const poseidon = await getPoseidon()
  const children: bigint[][] = []
  let node = leaf
  let index = leafIndex
  for (let l = 0; l < levels; l++) {
    const level = [0n, 0n, 0n, 0n]
    level[index % 4] = node
    children.push(level)
    node = poseidon.hash(level)
    index = Math.floor(index / 4)
  }
  return children
}
