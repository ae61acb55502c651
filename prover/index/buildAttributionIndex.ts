import { PoaError } from '../errors/index.ts'
import { buildMerkleTree, buildQuaternaryTree, bytesToFields, fieldsToBytes, quaternaryLevels, type MerkleBackend, type QuaternaryTree } from '../merkle/index.ts'
import { FEATURE_BOUND, checkFeatures } from './featureHash.ts'
import { hashIndexLeaves } from './hashIndexLeaves.ts'
import { IndexShapeError } from './indexErrors.ts'

/**
 * The attribution index of a model over one datanet version: leaf i = Poseidon(recordLeaf_i,
 * featureHash(phi_i)) at the same position i as datanet record i, in a fixed-depth 4-ary Poseidon
 * tree (prover/merkle/quaternaryTree.ts) of ceil(depth / 2) levels for a datanet of depth `depth`,
 * so one leafIndex opens both trees (the 4-ary tree is what keeps k = 128 features within the
 * circuit's budget: docs/quality.md).
 * This module takes features as plain integers: how they were computed (ONNX) is influence's job.
 */
export type DatanetRef = { id: string; version: number; root: bigint }
export type IndexModelRef = { name: string; modelSha256: string; modelHash: string; featuresSha256: string }

/** v1 indexes had a binary index tree; v2 the 4-ary one the circuit opens. */
export const INDEX_FORMAT = 'poa-index-v2'

export type IndexManifest = {
  format: typeof INDEX_FORMAT
  model: IndexModelRef
  datanet: { id: string; version: number; root: string }
  /** The datanet tree's depth (binary); the index tree has ceil(treeDepth / 2) 4-ary levels. */
  treeDepth: number
  indexTree: { arity: 4; levels: number }
  k: number
  /** Features are phi = round(f * 2^featureFracBits); scores are at scale 2^(2 featureFracBits). */
  featureFracBits: number
  count: number
  root: string
}

export type AttributionIndex = {
  manifest: IndexManifest
  /** Row-major [count, k] signed features, |phi| <= FEATURE_BOUND. */
  features: Int16Array
  recordLeaves: readonly bigint[]
  leaves: readonly bigint[]
  tree: QuaternaryTree
}

export class DatanetRootMismatchError extends PoaError {
  constructor({ datanet, expected, got }: { datanet: string; expected: bigint; got: bigint }) {
    super('DATANET_ROOT_MISMATCH', 'VERIFICATION_FAILED', `records of datanet ${datanet} hash to root ${got}: expected the stated root ${expected}`, {
      meta: { datanet, expected, got },
    })
  }
}

export type BuildAttributionIndexParameters = {
  /** Datanet records in position order; only their leaves enter the index. */
  records: readonly { leaf: bigint }[]
  features: Int16Array
  k: number
  featureFracBits: number
  treeDepth: number
  datanet: DatanetRef
  model: IndexModelRef
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
  /** Who hashes leaves and trees (default 'auto': native when available, else WebAssembly). */
  backend?: MerkleBackend
  /** pthreads for the native hasher (default 1). */
  threads?: number
}

export async function buildAttributionIndex(p: BuildAttributionIndexParameters): Promise<AttributionIndex> {
  const { records, features, k, treeDepth, datanet } = p
  if (!Number.isInteger(k) || k < 1) throw new IndexShapeError({ where: 'k', expected: 'a positive integer', got: String(k) })
  if (features.length !== records.length * k) {
    throw new IndexShapeError({ where: 'features.length', expected: `${records.length} records x k ${k} = ${records.length * k}`, got: String(features.length) })
  }
  for (let i = 0; i < features.length; i++) {
    if (features[i] < -Number(FEATURE_BOUND)) checkFeatures([BigInt(features[i])], `features of record ${Math.floor(i / k)}`)
  }
  const recordLeaves = records.map((r) => r.leaf)
  // Native hashing (pthreads) when it builds and passes its self-checks, else WebAssembly: same bytes.
  const datanetTree = await buildMerkleTree({ leaves: recordLeaves, depth: treeDepth, backend: 'auto', workers: p.threads })
  if (datanetTree.root !== datanet.root) throw new DatanetRootMismatchError({ datanet: `${datanet.id} v${datanet.version}`, expected: datanet.root, got: datanetTree.root })
  p.signal?.throwIfAborted()
  p.onProgress?.({ done: 0, total: records.length, unit: 'leaves' })
  const hashed = await hashIndexLeaves({ recordLeaves: fieldsToBytes(recordLeaves), features, k, backend: p.backend ?? 'auto', threads: p.threads })
  const leaves = bytesToFields(hashed.leaves)
  p.onProgress?.({ done: records.length, total: records.length, unit: 'leaves' })
  const levels = quaternaryLevels(treeDepth)
  const tree = await buildQuaternaryTree({ leaves, levels, signal: p.signal, backend: p.backend ?? 'auto', threads: p.threads })
  const manifest: IndexManifest = {
    format: INDEX_FORMAT,
    model: p.model,
    datanet: { id: datanet.id, version: datanet.version, root: datanet.root.toString() },
    treeDepth,
    indexTree: { arity: 4, levels },
    k,
    featureFracBits: p.featureFracBits,
    count: records.length,
    root: tree.root.toString(),
  }
  return { manifest, features, recordLeaves, leaves, tree }
}

/** The features of record `position` as bigints (what the witness and the auditor need). */
export function indexFeatures(index: Pick<AttributionIndex, 'features' | 'manifest'>, position: number): bigint[] {
  const { k, count } = index.manifest
  if (!Number.isInteger(position) || position < 0 || position >= count) {
    throw new IndexShapeError({ where: 'position', expected: `an integer in [0, ${count - 1}]`, got: String(position) })
  }
  return Array.from(index.features.subarray(position * k, (position + 1) * k), (v) => BigInt(v))
}
