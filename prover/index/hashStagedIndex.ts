import { open, readFile } from 'node:fs/promises'
import { buildMerkleTree, buildQuaternaryTree, bytesToFields, loadNativeHasher, quaternaryLevels, type MerkleBackend } from '../merkle/index.ts'
import { DatanetRootMismatchError, INDEX_FORMAT, type DatanetRef, type IndexManifest, type IndexModelRef } from './buildAttributionIndex.ts'
import { hashIndexLeaves } from './hashIndexLeaves.ts'
import type { IndexBuildFolder } from './indexBuildFolder.ts'

/**
 * The hashing half of a streaming index build, from the build folder's files: the datanet root
 * check over `recordLeaves.bin`, the index leaves from `features.i16` + `recordLeaves.bin` in
 * chunks (appended to `leaves.bin` with a checkpoint per chunk, so a resumed build skips finished
 * chunks), then the 4-ary tree over `leaves.bin`. Memory: one chunk of records, then the leaves
 * (32 bytes each: 32 MiB at 2^20) and the native hasher's copy of them.
 */
export type Progress = (p: { done: number; total: number; unit: string }) => void

type Hashing = { backend?: MerkleBackend; threads?: number; signal?: AbortSignal; onProgress?: Progress }

/**
 * Root of the binary datanet tree of `depth` over 32-byte leaves; refuses a root other than the
 * datanet's. Native when it loads (bytes in, bytes out), else the bigint tree.
 */
export async function checkDatanetRootBytes(recordLeaves: Uint8Array, depth: number, datanet: DatanetRef, { backend = 'auto', threads = 1 }: Hashing = {}): Promise<void> {
  let root: bigint
  const status = backend === 'js' || recordLeaves.length === 0 ? undefined : await loadNativeHasher()
  if (status?.hasher) {
    const levels = await status.hasher.treeLevelBytes(recordLeaves, depth, 2, threads)
    root = bytesToFields(levels[depth - 1].subarray(0, 32))[0]
  } else {
    root = (await buildMerkleTree({ leaves: bytesToFields(recordLeaves), depth, backend })).root
  }
  if (root !== datanet.root) throw new DatanetRootMismatchError({ datanet: `${datanet.id} v${datanet.version}`, expected: datanet.root, got: root })
}

export type HashStagedIndexParameters = Hashing & {
  folder: IndexBuildFolder
  datanet: DatanetRef
  model: IndexModelRef
  /** Records per leaf chunk (and checkpoint); default 65,536 (16 MiB of features at k = 128). */
  chunkRecords?: number
}

/** Hash the staged index (checkpoint phase 'leaves') and return its manifest; the files stay in the folder. */
export async function hashStagedIndex(p: HashStagedIndexParameters): Promise<IndexManifest> {
  const { folder } = p
  const { identity, featureFracBits } = folder.checkpoint
  const { count, k, treeDepth } = identity
  if (folder.checkpoint.phase !== 'leaves' || featureFracBits === undefined) throw new Error(`hashStagedIndex: checkpoint phase ${folder.checkpoint.phase}, expected 'leaves' with a scale`)
  const chunk = p.chunkRecords ?? 65_536
  const features = await open(folder.path('features.i16'), 'r')
  const recordLeaves = await open(folder.path('recordLeaves.bin'), 'r')
  try {
    for (let start = folder.checkpoint.leavesDone; start < count; start = folder.checkpoint.leavesDone) {
      p.signal?.throwIfAborted()
      const end = Math.min(count, start + chunk)
      const phi = new Int16Array(new ArrayBuffer((end - start) * k * 2))
      await features.read(new Uint8Array(phi.buffer), 0, phi.byteLength, start * k * 2)
      const leafBytes = Buffer.alloc((end - start) * 32)
      await recordLeaves.read(leafBytes, 0, leafBytes.length, start * 32)
      const { leaves } = await hashIndexLeaves({ recordLeaves: leafBytes, features: phi, k, backend: p.backend, threads: p.threads })
      await folder.append('leaves.bin', leaves)
      await folder.commit({ leavesDone: end })
      p.onProgress?.({ done: end, total: count, unit: 'leaves' })
    }
  } finally {
    await features.close()
    await recordLeaves.close()
  }
  p.signal?.throwIfAborted()
  const levels = quaternaryLevels(treeDepth)
  const root = await quaternaryRootBytes(await readFile(folder.path('leaves.bin')), levels, p)
  return {
    format: INDEX_FORMAT,
    model: p.model,
    datanet: { id: p.datanet.id, version: p.datanet.version, root: p.datanet.root.toString() },
    treeDepth,
    indexTree: { arity: 4, levels },
    k,
    featureFracBits,
    count,
    root: root.toString(),
  }
}

/** Root of the 4-ary index tree over 32-byte leaves: natively from bytes, else the bigint tree. */
async function quaternaryRootBytes(leaves: Uint8Array, levels: number, { backend = 'auto', threads = 1 }: Hashing): Promise<bigint> {
  const status = backend === 'js' || leaves.length === 0 ? undefined : await loadNativeHasher()
  if (status?.hasher) {
    const layers = await status.hasher.treeLevelBytes(leaves, levels, 4, threads)
    return bytesToFields(layers[levels - 1].subarray(0, 32))[0]
  }
  return (await buildQuaternaryTree({ leaves: bytesToFields(leaves), levels, backend })).root
}
