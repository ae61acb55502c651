import { loadSpamAssassin } from '../dataset/spamAssassin.ts'
import type { DatanetRef, StoredRecord } from '../datanet/index.ts'
import { modelDir, saveModel, trainModel, type ModelManifest, type ProjectionKind, type ProviderRequest } from '../influence/index.ts'
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
  l2?: number
  projection?: { kind?: ProjectionKind; k?: number; seed?: number }
  provider?: ProviderRequest
}

export type TrainLocalModelReturnType = { dir: string; manifest: ModelManifest }

const LABELS = ['ham', 'spam']

/** A stored label: a class name such as "spam", or a class index written as digits. */
function classOf(record: StoredRecord, labels: readonly string[]): number | string {
  const label = record.label
  return label !== undefined && /^\d+$/.test(label) && !labels.includes(label) ? Number(label) : (label ?? '')
}

/** Train the default model (hashing vectoriser + L2 linear softmax, ONNX) and save it under `<home>/models/<name>/`. */
export async function trainLocalModel(p: TrainLocalModelParameters): Promise<TrainLocalModelReturnType> {
  const log = p.log ?? noLog
  const progress = p.onProgress ?? noProgress
  const dir = modelDir(p.home, p.name) // checks the name before any work
  const decoder = new TextDecoder()
  const records = 'spamAssassin' in p.source
    ? loadSpamAssassin(p.source.spamAssassin)
    : await withDatanetStore(p.home, (store) => {
      const source = p.source as { datanet: DatanetRef; version?: number }
      const info = store.getDatanet(source.datanet)
      const v = store.getVersion(info.id, source.version)
      return store.getRecords(info.id, v.version).map((r) => ({ content: typeof r.content === 'string' ? r.content : decoder.decode(r.content), label: classOf(r, LABELS) }))
    })
  log(`training on ${records.length} records`)
  const trained = await trainModel({ name: p.name, records, labels: LABELS, l2: p.l2, provider: p.provider, projection: p.projection, onProgress: progress('training') })
  await saveModel({ dir, ...trained })
  return { dir, manifest: trained.manifest }
}
