import type { InferenceSession } from 'onnxruntime-node'
import { createSession, type ProviderName, type ProviderRequest } from './createSession.ts'
import { computeFeatures } from './computeFeatures.ts'
import { chooseFracBits, quantizeFeatures } from './quantize.ts'
import { vectorizeNonEmpty } from './vectorize.ts'
import { classIndex } from './trainModel.ts'
import type { LoadedModel } from './modelStore.ts'

/**
 * Fixed-point features of datanet records (label = the record's own label), through the model's
 * features ONNX file. With `featureFracBits` given (an auditor re-checking K candidates of an
 * existing index) they are quantised at that scale and must fit the bound; without it the scale is
 * chosen from these features (index build).
 */
export type RecordFeaturesParameters = {
  model: Pick<LoadedModel, 'manifest' | 'featureBytes' | 'contract'>
  records: readonly { content: string | Uint8Array; label: number | string }[]
  featureFracBits?: number
  /** How each record is named in an error (default `record <i>`), e.g. its datanet position. */
  recordName?: (i: number) => string
  provider?: ProviderRequest
  batchSize?: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

export type RecordFeaturesReturnType = { features: Int16Array; featureFracBits: number; provider: ProviderName; fallbackReason?: string }

export async function recordFeatures(p: RecordFeaturesParameters): Promise<RecordFeaturesReturnType> {
  const opened = await createSession({ bytes: p.model.featureBytes, provider: p.provider })
  let floats: Float32Array
  try {
    floats = await recordFloatFeatures({ ...p, session: opened.session })
  } finally {
    await opened.session.release()
  }
  const featureFracBits = p.featureFracBits ?? chooseFracBits(floats)
  const { values } = quantizeFeatures(floats, featureFracBits, { clamp: false, where: 'record features' })
  return { features: values, featureFracBits, provider: opened.provider, fallbackReason: opened.fallbackReason }
}

export type RecordFloatFeaturesParameters = Pick<RecordFeaturesParameters, 'model' | 'records' | 'recordName' | 'batchSize' | 'onProgress' | 'signal'> & {
  session: InferenceSession
}

/**
 * The float features [records, k] of records through an open session of the model's features
 * graph, before quantisation: what the streaming index build stages batch by batch
 * (prover/influence/streamModelIndex.ts), since the scale is chosen from all records' features.
 */
export async function recordFloatFeatures(p: RecordFloatFeaturesParameters): Promise<Float32Array> {
  const { manifest, contract } = p.model
  const recordName = p.recordName ?? ((i: number) => `record ${i}`)
  const labels = p.records.map((r, i) => classIndex(r.label, manifest.labels, i, recordName(i)))
  const decoder = new TextDecoder()
  const rows = vectorizeNonEmpty(p.records.map((r) => (typeof r.content === 'string' ? r.content : decoder.decode(r.content))), manifest.vectorizer, recordName)
  const { features } = await computeFeatures({
    session: p.session, inputName: contract.inputName, probsName: contract.probsName, inputDim: contract.inputDim,
    k: manifest.projection.k, classes: manifest.classes, rows, labels, batchSize: p.batchSize, onProgress: p.onProgress, signal: p.signal,
  })
  return features
}
