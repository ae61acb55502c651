import { PoaError } from '../errors/index.ts'
import { trainSoftmax, type TrainingEpoch } from './trainSoftmax.ts'
import { predictClass } from './predictClass.ts'
import { DEFAULT_FOLDS, FoldCountError, heldOutAccuracy, type HeldOutAccuracyReturnType } from './heldOutAccuracy.ts'
import { AutoVectorizerError, chooseVectorizer } from './chooseVectorizer.ts'
import { buildClassifierOnnx, modelHash } from './onnxModel.ts'
import { checkModelContract } from './modelContract.ts'
import { prepareAttribution } from './prepareAttribution.ts'
import { DEFAULT_VECTORIZER, checkVectorizerConfig, vectorizeNonEmpty, vectorizerSpec, type SparseVector, type VectorizerConfig } from './vectorize.ts'
import type { ProjectionKind } from './projection.ts'
import type { LoadedModel, ModelManifest } from './modelStore.ts'
import type { ProviderRequest } from './createSession.ts'

/**
 * Train the default model on records: hashing vectoriser -> L2-regularised linear softmax
 * (trainSoftmax.ts) -> ONNX (Gemm + Softmax) -> attribution projection (prepareAttribution.ts),
 * with the classifier's held-out accuracy by stratified cross-validation (heldOutAccuracy.ts).
 * Deterministic: the same records, config and seed give the same ONNX bytes and hashes.
 * Nothing is written; save the result with `saveModel({ dir: modelDir(home, name), ...result })`.
 */
export type TrainModelParameters = {
  name: string
  /** `label` is a class name, or a class index into `labels`. */
  records: readonly { content: string; label: number | string | undefined }[]
  /**
   * Class names, index = class: the model's outputs in this order. Default: the distinct labels of
   * the records, sorted (JavaScript's default string order, UTF-16 code units). A record whose
   * label is not among them is refused.
   */
  labels?: readonly string[]
  /** How each record is named in an error (default `record <i>`): a datanet position, a file line. */
  recordName?: (i: number) => string
  /** Where the records come from, for the one-class error (default "the training records"). */
  source?: string
  /**
   * Default hashing-v1 (the spam model's word vectoriser); see vectorizerSpec.ts for the n-gram ones.
   * 'auto': the best held-out accuracy of AUTO_VECTORIZER_CANDIDATES (chooseVectorizer.ts; needs folds).
   */
  vectorizer?: VectorizerConfig | 'auto'
  l2?: number
  projection?: { kind?: ProjectionKind; k?: number; seed?: number }
  /**
   * Folds of the stratified cross-validation that estimates held-out accuracy (heldOutAccuracy.ts;
   * default 5, lowered when a class has fewer records); 0 turns it off. Stored in the manifest's
   * `training.heldOut`. It refits the classifier only, not the projection.
   */
  folds?: number
  provider?: ProviderRequest
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  /** Each epoch's training loss and accuracy (see trainSoftmax's onEpoch). */
  onEpoch?: (e: TrainingEpoch) => void
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
  constructor({ index, value, labels, record }: { index: number; value: unknown; labels: readonly string[]; record?: string }) {
    const where = record ?? `record ${index}`
    const what = value === undefined || value === '' ? 'has no label' : `label ${JSON.stringify(value)} is not ${typeof value === 'number' ? `a class index in [0, ${labels.length - 1}]` : 'one of the classes'}`
    super('RECORD_LABEL', 'BAD_INPUT', `${where}: ${what} (classes: ${labels.join(', ')})`, {
      meta: { index, record: where, value, labels },
    })
  }
}

/** Training data whose records all carry one class (or a label list of fewer than two): no classifier can be trained. */
export class SingleClassError extends PoaError {
  constructor({ source, labels, present, records }: { source: string; labels: readonly string[]; present: readonly string[]; records: number }) {
    super('SINGLE_CLASS', 'BAD_INPUT',
      `${source}: ${records} records carry ${present.length === 0 ? 'no class' : `only the class ${present.map((l) => JSON.stringify(l)).join(', ')}`}${labels.length > present.length ? ` of ${labels.join(', ')}` : ''}: a classifier needs records of at least 2 classes`,
      { meta: { source, labels, present, records } })
  }
}

/** A record's label as a class index: a class name from `labels`, or an integer index in range. */
export function classIndex(label: unknown, labels: readonly string[], index: number, record?: string): number {
  if (typeof label === 'string' && labels.includes(label)) return labels.indexOf(label)
  if (typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < labels.length) return label
  throw new LabelError({ index, value: label, labels, record })
}

/** The classes of a data set: its distinct labels as strings, sorted (UTF-16 code unit order). */
export function labelsOfRecords(records: readonly { label: number | string | undefined }[], recordName: (i: number) => string = (i) => `record ${i}`): string[] {
  const seen = new Set<string>()
  records.forEach((r, i) => {
    if (r.label === undefined || r.label === '') throw new LabelError({ index: i, value: r.label, labels: [...seen].sort(), record: recordName(i) })
    seen.add(String(r.label))
  })
  return [...seen].sort()
}

export async function trainModel(p: TrainModelParameters): Promise<TrainModelReturnType> {
  const recordName = p.recordName ?? ((i: number) => `record ${i}`)
  const source = p.source ?? 'the training records'
  // Labels from the data are strings (a numeric label names the class "1", not index 1).
  const labels = p.labels ? [...p.labels] : labelsOfRecords(p.records, recordName)
  const records = p.labels ? p.records : p.records.map((r) => ({ ...r, label: String(r.label) }))
  const l2 = p.l2 ?? DEFAULT_L2
  const kind = p.projection?.kind ?? DEFAULT_PROJECTION
  const k = p.projection?.k ?? DEFAULT_K
  const seed = p.projection?.seed ?? DEFAULT_PROJECTION_SEED
  const folds = p.folds ?? DEFAULT_FOLDS
  if (!Number.isInteger(folds) || folds < 0 || folds === 1) throw new FoldCountError({ folds: p.folds })
  const y = Int32Array.from(records, (r, i) => classIndex(r.label, labels, i, recordName(i)))
  const present = [...new Set(y)].sort((a, b) => a - b).map((c) => labels[c])
  if (labels.length < 2 || present.length < 2) throw new SingleClassError({ source, labels, present, records: y.length })
  const texts = records.map((r) => r.content)
  let vectorizer: VectorizerConfig
  let rows: SparseVector[]
  let heldOut: HeldOutAccuracyReturnType | undefined
  let vectorizerChoice
  if (p.vectorizer === 'auto') {
    if (folds === 0) throw new AutoVectorizerError({ reason: 'it compares held-out accuracies, and folds = 0 turns cross-validation off' })
    const chosen = await chooseVectorizer({ texts, labels: y, classes: labels.length, classNames: labels, l2, folds, recordName, onProgress: p.onProgress, signal: p.signal })
    ;({ vectorizer, rows, heldOut } = chosen)
    vectorizerChoice = chosen.candidates
  } else {
    vectorizer = checkVectorizerConfig({ ...(p.vectorizer ?? DEFAULT_VECTORIZER) })
    rows = vectorizeNonEmpty(texts, vectorizer, recordName)
    heldOut = folds === 0 ? undefined : await heldOutAccuracy({
      rows, labels: y, classes: labels.length, dim: vectorizer.dim, l2, folds, classNames: labels, onProgress: p.onProgress, signal: p.signal,
    })
  }
  const weights = await trainSoftmax({ rows, labels: y, classes: labels.length, dim: vectorizer.dim, l2, onProgress: p.onProgress, onEpoch: p.onEpoch, signal: p.signal })
  const modelBytes = buildClassifierOnnx({ weights, vectorizer, labels })
  const { featureBytes } = await prepareAttribution({
    modelBytes, kind, k, seed, damping: l2, training: { rows, labels: y }, provider: p.provider, signal: p.signal,
  })
  let correct = 0
  for (let r = 0; r < rows.length; r++) if (predictClass(weights, rows[r]) === y[r]) correct++
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
    vectorizerSpec: vectorizerSpec(vectorizer),
    projection: { kind, k, seed, damping: l2 },
    training: { records: rows.length, l2, iterations: weights.iterations, loss: weights.loss, trainAccuracy: correct / rows.length, ...(heldOut && { heldOut }), ...(vectorizerChoice && { vectorizerChoice }) },
  }
  return { manifest, modelBytes, featureBytes, contract: checkModelContract(modelBytes) }
}
