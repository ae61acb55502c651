import { PoaError } from '../errors/index.ts'
import { buildMerkleTree, type MerkleTree } from '../merkle/index.ts'
import { getPoseidon } from '../hash/index.ts'
import { FEATURE_BOUND, featureHash, checkFeatures } from './featureHash.ts'

/**
 * The attribution index of a model over one datanet version: leaf i = Poseidon(recordLeaf_i,
 * featureHash(phi_i)) at the same position i as datanet record i, in the same fixed-depth Poseidon
 * tree (prover/merkle) and at the same depth as the datanet, so one leafIndex opens both trees.
 * This module takes features as plain integers: how they were computed (ONNX) is influence's job.
 */
export type DatanetRef = { id: string; version: number; root: bigint }
export type IndexModelRef = { name: string; modelSha256: string; modelHash: string; featuresSha256: string }

export type IndexManifest = {
  format: 'poa-index-v1'
  model: IndexModelRef
  datanet: { id: string; version: number; root: string }
  treeDepth: number
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
  tree: MerkleTree
}

export class DatanetRootMismatchError extends PoaError {
  constructor({ datanet, expected, got }: { datanet: string; expected: bigint; got: bigint }) {
    super('DATANET_ROOT_MISMATCH', 'VERIFICATION_FAILED', `records of datanet ${datanet} hash to root ${got}: expected the stated root ${expected}`, {
      meta: { datanet, expected, got },
    })
  }
}

export class IndexShapeError extends PoaError {
  constructor({ where, expected, got }: { where: string; expected: string; got: string }) {
    super('INDEX_SHAPE', 'BAD_INPUT', `${where}: expected ${expected}, got ${got}`, { meta: { where, expected, got } })
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
  const datanetTree = await buildMerkleTree({ leaves: recordLeaves, depth: treeDepth })
  if (datanetTree.root !== datanet.root) throw new DatanetRootMismatchError({ datanet: `${datanet.id} v${datanet.version}`, expected: datanet.root, got: datanetTree.root })
  const poseidon = await getPoseidon()
  const leaves: bigint[] = new Array(records.length)
  for (let i = 0; i < records.length; i++) {
    if (i % 256 === 0) {
      p.signal?.throwIfAborted()
      p.onProgress?.({ done: i, total: records.length, unit: 'leaves' })
    }
    const phi = Array.from(features.subarray(i * k, (i + 1) * k), (v) => BigInt(v))
    leaves[i] = poseidon.hash([recordLeaves[i], await featureHash(phi)])
  }
  p.onProgress?.({ done: records.length, total: records.length, unit: 'leaves' })
  const tree = await buildMerkleTree({ leaves, depth: treeDepth })
  const manifest: IndexManifest = {
    format: 'poa-index-v1',
    model: p.model,
    datanet: { id: datanet.id, version: datanet.version, root: datanet.root.toString() },
    treeDepth,
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
