import { PoaError } from '../errors/index.ts'
import { trainSoftmax } from './trainSoftmax.ts'
import { buildClassifierOnnx, modelHash } from './onnxModel.ts'
import { checkModelContract } from './modelContract.ts'
import { prepareAttribution } from './prepareAttribution.ts'
import { DEFAULT_VECTORIZER, checkVectorizerConfig, vectorize, type VectorizerConfig } from './vectorize.ts'
import type { ProjectionKind } from './projection.ts'
import type { LoadedModel, ModelManifest } from './modelStore.ts'
import type { ProviderRequest } from './createSession.ts'

/**
 * Train the default model on records: hashing vectoriser -> L2-regularised linear softmax
 * (trainSoftmax.ts) -> ONNX (Gemm + Softmax) -> attribution projection (prepareAttribution.ts).
 * Deterministic: the same records, config and seed give the same ONNX bytes and hashes.
 * Nothing is written; save the result with `saveModel({ dir: modelDir(home, name), ...result })`.
 */
export type TrainModelParameters = {
  name: string
  /** `label` is a class index or a class name from `labels`. */
  records: readonly { content: string; label: number | string }[]
  /** Class names, index = class (default ['ham', 'spam']). */
  labels?: readonly string[]
  vectorizer?: VectorizerConfig
  l2?: number
  projection?: { kind?: ProjectionKind; k?: number; seed?: number }
  provider?: ProviderRequest
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

export type TrainModelReturnType = Omit<LoadedModel, 'dir'>

export const DEFAULT_L2 = 1e-3
/**
 * 128 features: whitened PCA reaches 0.84x the exact influence function's LDS there (0.72x at 64,
 * docs/quality.md), and the 4-ary index tree keeps it at 11,337 constraints per candidate.
 */
export const DEFAULT_K = 128
export const DEFAULT_PROJECTION_SEED = 1
/** Measured best LDS per k on the corpus (bench/influence.bench.ts): whitened PCA of the head gradients. */
export const DEFAULT_PROJECTION: ProjectionKind = 'whitened-pca'

export class LabelError extends PoaError {
  constructor({ index, value, labels }: { index: number; value: unknown; labels: readonly string[] }) {
    super('RECORD_LABEL', 'BAD_INPUT', `record ${index}: label ${JSON.stringify(value)} is not a class index in [0, ${labels.length - 1}] or one of ${labels.join(', ')}`, {
      meta: { index, value, labels },
    })
  }
}

/** A record's label as a class index: an integer in range, or a class name from `labels`. */
export function classIndex(label: unknown, labels: readonly string[], index: number): number {
  if (typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < labels.length) return label
  if (typeof label === 'string' && labels.includes(label)) return labels.indexOf(label)
  throw new LabelError({ index, value: label, labels })
}

export async function trainModel(p: TrainModelParameters): Promise<TrainModelReturnType> {
  const labels = [...(p.labels ?? ['ham', 'spam'])]
  const vectorizer = checkVectorizerConfig({ ...(p.vectorizer ?? DEFAULT_VECTORIZER) })
  const l2 = p.l2 ?? DEFAULT_L2
  const kind = p.projection?.kind ?? DEFAULT_PROJECTION
  const k = p.projection?.k ?? DEFAULT_K
  const seed = p.projection?.seed ?? DEFAULT_PROJECTION_SEED
  const y = Int32Array.from(p.records, (r, i) => classIndex(r.label, labels, i))
  const rows = p.records.map((r) => vectorize(r.content, vectorizer))
  const weights = await trainSoftmax({ rows, labels: y, classes: labels.length, dim: vectorizer.dim, l2, onProgress: p.onProgress, signal: p.signal })
  const modelBytes = buildClassifierOnnx({ weights, vectorizer, labels })
  const { featureBytes } = await prepareAttribution({
    modelBytes, kind, k, seed, damping: l2, training: { rows, labels: y }, provider: p.provider, signal: p.signal,
  })
  let correct = 0
  for (let r = 0; r < rows.length; r++) {
    let best = 0
    let bestZ = -Infinity
    for (let c = 0; c < labels.length; c++) {
      let z = weights.b[c]
      for (let j = 0; j < rows[r].indices.length; j++) z += weights.W[c * vectorizer.dim + rows[r].indices[j]] * rows[r].values[j]
      if (z > bestZ) [best, bestZ] = [c, z]
    }
    if (best === y[r]) correct++
  }
  const hash = modelHash(modelBytes)
  const manifest: ModelManifest = {
    format: 'poa-model-v1',
    name: p.name,
    source: 'trained',
    modelSha256: hash.sha256,
    modelHash: hash.field.toString(),
    featuresSha256: modelHash(featureBytes).sha256,
    labels,
    classes: labels.length,
    inputDim: vectorizer.dim,
    hiddenDim: vectorizer.dim,
    vectorizer,
    projection: { kind, k, seed, damping: l2 },
    training: { records: rows.length, l2, iterations: weights.iterations, loss: weights.loss, trainAccuracy: correct / rows.length },
  }
  return { manifest, modelBytes, featureBytes, contract: checkModelContract(modelBytes) }
}
