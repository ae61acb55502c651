import { PoaError } from '../errors/index.ts'
import { recordLeafOf, RECORD_LEAF_FORMULA } from '../datanet/recordLeaf.ts'
import { buildAttributionIndex, type AttributionIndex, type DatanetRef } from '../index/buildAttributionIndex.ts'
import type { MerkleBackend } from '../merkle/index.ts'
import type { ProviderName, ProviderRequest } from './createSession.ts'
import type { LoadedModel } from './modelStore.ts'
import { recordFeatures } from './recordFeatures.ts'

/**
 * Build a model's attribution index over one datanet version. Records come as plain data in
 * position order (`{ contributor, content, label, leaf }`, e.g. from the datanet store); each leaf
 * is re-derived from contributor + content so the index can only bind features to the content
 * they were computed from. Features: projected head gradients at the record's own label, from
 * the features ONNX graph (onnxruntime-node), quantised at a scale chosen from these features.
 */
/**
 * `label`: class index or class name (what features are computed at). `datanetLabel`: the label as
 * the datanet stores it, absent for an unlabelled record; the leaf commits its hash. `content` as
 * stored: text, or bytes that are decoded as UTF-8 for the vectoriser (the leaf hashes the bytes).
 */
export type IndexRecord = { contributor: string; content: string | Uint8Array; label: number | string; datanetLabel?: string; leaf: bigint }

export type BuildModelIndexParameters = {
  model: Pick<LoadedModel, 'manifest' | 'featureBytes' | 'contract'>
  records: readonly IndexRecord[]
  datanet: DatanetRef
  /** Depth of the datanet's tree (default 20, the datanet default). */
  treeDepth?: number
  /** How each record is named in an error (default `record <i>`). */
  recordName?: (i: number) => string
  provider?: ProviderRequest
  batchSize?: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
  /** Who hashes leaves and trees (default 'auto': native when it loads, else WebAssembly). */
  backend?: MerkleBackend
}

export type BuildModelIndexReturnType = { index: AttributionIndex; provider: ProviderName; fallbackReason?: string }

export class RecordLeafMismatchError extends PoaError {
  constructor({ position, expected, got }: { position: number; expected: bigint; got: bigint }) {
    super('RECORD_LEAF_MISMATCH', 'BAD_INPUT', `record ${position}: leaf ${got} does not match ${RECORD_LEAF_FORMULA} of its contributor, content and label = ${expected}`, {
      meta: { position, expected, got },
    })
  }
}

export async function buildModelIndex(p: BuildModelIndexParameters): Promise<BuildModelIndexReturnType> {
  const { model, records } = p
  const { manifest } = model
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    const expected = await recordLeafOf({ contributor: r.contributor, content: r.content, label: r.datanetLabel })
    if (expected !== r.leaf) throw new RecordLeafMismatchError({ position: i, expected, got: r.leaf })
  }
  const { features: values, featureFracBits, provider, fallbackReason } = await recordFeatures({
    model, records, recordName: p.recordName, provider: p.provider, batchSize: p.batchSize, onProgress: p.onProgress, signal: p.signal,
  })
  const index = await buildAttributionIndex({
    records, features: values, k: manifest.projection.k, featureFracBits, treeDepth: p.treeDepth ?? 20, datanet: p.datanet,
    model: { name: manifest.name, modelSha256: manifest.modelSha256, modelHash: manifest.modelHash, featuresSha256: manifest.featuresSha256 },
    onProgress: p.onProgress, signal: p.signal, backend: p.backend,
  })
  return { index, provider, fallbackReason }
}
