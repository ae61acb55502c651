import { loadSpamAssassin } from '../dataset/spamAssassin.ts'
import type { DatanetRef, StoredRecord } from '../datanet/index.ts'
import { modelDir, saveModel, trainModel, type ModelManifest, type ProjectionKind, type ProviderRequest, type TrainingEpoch, type VectorizerConfig } from '../influence/index.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noLog, noProgress } from './appOptions.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Where the training records come from: a local datanet version, or the Spam Assassin corpus. */
export type TrainingSource =
  | { datanet: DatanetRef; version?: number }
  | { spamAssassin: { limit?: number; seed?: number } }

/** Options of trainLocalModel. */
export type TrainLocalModelParameters = Pick<AppFolders, 'home'> & Pick<AppReporting, 'log' | 'onProgress'> & {
  name: string
  source: TrainingSource
  /** Class names in output order; default: the sorted distinct labels of the records (Spam Assassin: ham, spam). */
  labels?: readonly string[]
  /** Input vectoriser (default hashing-v1, the spam model's word vectoriser); 'auto': chosen by held-out accuracy. */
  vectorizer?: VectorizerConfig | 'auto'
  l2?: number
  projection?: { kind?: ProjectionKind; k?: number; seed?: number }
  provider?: ProviderRequest
  /** Cross-validation folds for the held-out accuracy (default 5; 0: none); see trainModel. */
  folds?: number
  /** Each epoch's training loss and accuracy (a full-batch L-BFGS iteration), for a live chart. */
  onEpoch?: (e: TrainingEpoch) => void
}

export type TrainLocalModelReturnType = { dir: string; manifest: ModelManifest }

const SPAM_LABELS = ['ham', 'spam']

/** A stored label: a class name, or (with explicit labels only) a class index written as digits. */
function classOf(record: StoredRecord, labels: readonly string[] | undefined): number | string | undefined {
  const label = record.label
  return labels && label !== undefined && /^\d+$/.test(label) && !labels.includes(label) ? Number(label) : label
}

/**
 * Train a linear softmax classifier (a hashing vectoriser, L2 linear softmax, ONNX) on a datanet
 * version or the Spam Assassin corpus and save it under `<home>/models/<name>/`. Errors name the
 * offending record by its datanet position.
 */
export async function trainLocalModel(p: TrainLocalModelParameters): Promise<TrainLocalModelReturnType> {
  const log = p.log ?? noLog
  const progress = p.onProgress ?? noProgress
  const dir = modelDir(p.home, p.name) // checks the name before any work
  const decoder = new TextDecoder()
  const { records, source, labels } = 'spamAssassin' in p.source
    ? { records: loadSpamAssassin(p.source.spamAssassin), source: 'the Spam Assassin corpus', labels: p.labels ?? SPAM_LABELS }
    : await withDatanetStore(p.home, (store) => {
      const from = p.source as { datanet: DatanetRef; version?: number }
      const info = store.getDatanet(from.datanet)
      const v = store.getVersion(info.id, from.version)
      const stored = store.getRecords(info.id, v.version)
      return {
        records: stored.map((r) => ({ content: typeof r.content === 'string' ? r.content : decoder.decode(r.content), label: classOf(r, p.labels) })),
        source: `datanet "${info.name}" v${v.version}`,
        labels: p.labels,
      }
    })
  log(`training on ${records.length} records of ${source}`)
  const trained = await trainModel({
    name: p.name, records, labels, vectorizer: p.vectorizer, l2: p.l2, provider: p.provider, projection: p.projection, folds: p.folds, onProgress: progress('training'), onEpoch: p.onEpoch,
    source, recordName: (i) => `${source} position ${i}`,
  })
  await saveModel({ dir, ...trained })
  return { dir, manifest: trained.manifest }
}
