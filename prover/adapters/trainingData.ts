import { labelsOfRecords, classIndex, SingleClassError, vectorizeNonEmpty, type SparseVector, type VectorizerConfig } from '../influence/index.ts'

/** Per-epoch progress of base and adapter training (what a dashboard plots). */
export type EpochProgress = {
  epoch: number
  epochs: number
  /** Mean cross-entropy over the training records during the epoch. */
  loss: number
  /** Training accuracy during the epoch. */
  accuracy: number
}

export type TrainingRecords = { records: readonly { content: string; label: number | string | undefined }[]; labels?: readonly string[]; recordName?: (i: number) => string; source?: string }

/** Records -> class indices and vectorised rows (the same checks and errors as trainModel). */
export function prepareTrainingRows(p: TrainingRecords, vectorizer: VectorizerConfig): { labels: string[]; y: Int32Array; rows: SparseVector[] } {
  const recordName = p.recordName ?? ((i: number) => `record ${i}`)
  const labels = p.labels ? [...p.labels] : labelsOfRecords(p.records, recordName)
  const records = p.labels ? p.records : p.records.map((r) => ({ ...r, label: String(r.label) }))
  const y = Int32Array.from(records, (r, i) => classIndex(r.label, labels, i, recordName(i)))
  const present = [...new Set(y)].sort((a, b) => a - b).map((c) => labels[c])
  if (labels.length < 2 || present.length < 2) throw new SingleClassError({ source: p.source ?? 'the training records', labels, present, records: y.length })
  return { labels, y, rows: vectorizeNonEmpty(records.map((r) => r.content), vectorizer, recordName) }
}
