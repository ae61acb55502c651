import { checkModelContract, modelHash, vectorizerSpec, type ModelManifest, type SparseVector, type TrainModelReturnType } from '../influence/index.ts'
import { adapterModelHash, encodeAdapter, sha256Hex, type Adapter } from './adapterFile.ts'
import { buildAdapterFeatureOnnx, buildAdapterModelOnnx } from './adapterGraphs.ts'
import { adapterProjectionMatrix, projectionBlocks } from './adapterProjection.ts'
import { adapterParams, DEFAULT_ADAPTER_L2 } from './trainAdapter.ts'
import type { BaseModel } from './baseModel.ts'

/**
 * An adapter as a poa model: the adapter file, model.onnx (base + adapter, self-contained, the
 * model contract holds), features.onnx (projected adapter-parameter gradients, adapterGraphs.ts)
 * and a manifest whose modelHash is adapterModelHash(base, adapter file). Saved with saveModel
 * (plus adapter.poa), it is indexed, queried, registered and proved by the existing commands.
 */
export type BuildAdapterModelParameters = {
  name: string
  /** The base's name (recorded in the manifest), its decoded tensors and file hash. */
  baseName: string
  base: BaseModel & { sha256: string }
  adapter: Adapter
  /** The adapter's training rows and class indices (the projection is fitted on their gradients). */
  rows: readonly SparseVector[]
  y: ArrayLike<number>
  k?: number
  seed?: number
  /** Attribute over the head's parameters too (default false: gradients with respect to A and B). */
  withHead?: boolean
  curvature?: 'fisher' | 'gauss-newton'
  signal?: AbortSignal
}

export type BuildAdapterModelReturnType = TrainModelReturnType & { adapterBytes: Uint8Array }

export async function buildAdapterModel(p: BuildAdapterModelParameters): Promise<BuildAdapterModelReturnType> {
  const { base, adapter } = p
  const k = p.k ?? 128
  const seed = p.seed ?? 1
  const damping = adapter.training?.l2 ?? DEFAULT_ADAPTER_L2
  const adapterBytes = encodeAdapter(adapter, base)
  const ids = { baseSha256: base.sha256, adapterSha256: sha256Hex(adapterBytes) }
  const params = adapterParams(base, adapter)
  const M = await adapterProjectionMatrix({ params, W0: base.W0, b0: base.b0, rows: p.rows, labels: p.y, k, seed, damping, withHead: p.withHead, curvature: p.curvature, signal: p.signal })
  const modelBytes = buildAdapterModelOnnx(base, adapter, ids)
  const featureBytes = buildAdapterFeatureOnnx(base, adapter, ids, projectionBlocks(M, params, k))
  const hash = adapterModelHash(base.sha256, adapterBytes)
  const t = adapter.training
  const manifest: ModelManifest = {
    format: 'poa-model-v1',
    name: p.name,
    source: 'adapter',
    modelSha256: modelHash(modelBytes).sha256,
    modelHash: hash.field.toString(),
    featuresSha256: modelHash(featureBytes).sha256,
    labels: adapter.labels,
    classes: adapter.labels.length,
    inputDim: base.inputDim,
    hiddenDim: base.hiddenDim,
    vectorizer: base.vectorizer,
    vectorizerSpec: vectorizerSpec(base.vectorizer),
    projection: { kind: p.withHead ? 'adapter-pca-head' : 'adapter-pca', k, seed, damping },
    training: t ? { records: t.records, l2: t.l2, iterations: t.epochs, loss: t.loss, trainAccuracy: t.accuracy } : undefined,
    adapter: { base: p.baseName, baseSha256: base.sha256, adapterSha256: ids.adapterSha256, rank: adapter.rank, adapterBytes: adapterBytes.length },
  }
  return { manifest, modelBytes, featureBytes, adapterBytes, contract: checkModelContract(modelBytes) }
}
