import { loadSpamAssassin } from '../dataset/spamAssassin.ts'
import { loadAfinn } from '../dataset/afinn.ts'
import type { DatanetRef } from '../datanet/index.ts'
import { modelDir, type ModelManifest } from '../influence/index.ts'
import { MAX_RANK, buildAdapterModel, loadBase, saveAdapterModel, saveBase, trainAdapter, trainBase, type EpochProgress } from '../adapters/index.ts'
import type { AppFolders } from './appOptions.ts'
import { noLog } from './appOptions.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/**
 * The OpenLoRA workflows (prover/adapters): train the shared base once, train an adapter per
 * Datanet version on it, saved as an ordinary model folder (plus adapter.poa) that
 * `poa model index | register | query | attribute` take as they are. Plain functions with a
 * per-epoch `onProgress` (loss, accuracy) for the CLI and the dashboard.
 */
export type AdapterTrainingSource =
  | { datanet: DatanetRef; version?: number }
  | { spamAssassin: { limit?: number; seed?: number } }
  | { afinn: { limit?: number; seed?: number } }

/**
 * The option ranges a served front end (the dashboard) accepts, inclusive: the library's own limits
 * for rank, tighter ones for epochs and width so that one job keeps a shared server answering.
 */
export const ADAPTER_TRAINING_LIMITS = Object.freeze({
  rank: { min: 1, max: MAX_RANK },
  epochs: { min: 1, max: 200 },
  hiddenDim: { min: 4, max: 1024 },
})

type Records = { records: { content: string; label: string | undefined }[]; source: string }

async function readRecords(home: string, from: AdapterTrainingSource): Promise<Records> {
  if ('spamAssassin' in from) return { records: loadSpamAssassin(from.spamAssassin), source: 'the Spam Assassin corpus' }
  if ('afinn' in from) return { records: loadAfinn(from.afinn), source: 'the AFINN-111 word list' }
  const decoder = new TextDecoder()
  return withDatanetStore(home, (store) => {
    const info = store.getDatanet(from.datanet)
    const v = store.getVersion(info.id, from.version)
    return {
      records: store.getRecords(info.id, v.version).map((r) => ({ content: typeof r.content === 'string' ? r.content : decoder.decode(r.content), label: r.label })),
      source: `datanet "${info.name}" v${v.version}`,
    }
  })
}

export type TrainBaseModelParameters = Pick<AppFolders, 'home'> & {
  name: string
  source: AdapterTrainingSource
  hiddenDim?: number
  epochs?: number
  seed?: number
  log?: (line: string) => void
  /** Called after every epoch with its training loss and accuracy. */
  onProgress?: (p: EpochProgress) => void
  signal?: AbortSignal
}

export type TrainBaseModelReturnType = { file: string; sha256: string; bytes: number; labels: string[]; inputDim: number; hiddenDim: number; training: NonNullable<Awaited<ReturnType<typeof trainBase>>['training']> }

/** Train the base (vectoriser -> W0 -> ReLU -> head) and save it once under `<home>/bases/<name>/base.poa`. */
export async function trainBaseModel(p: TrainBaseModelParameters): Promise<TrainBaseModelReturnType> {
  modelDir(p.home, p.name) // the name rule, before any work
  const { records, source } = await readRecords(p.home, p.source)
  ;(p.log ?? noLog)(`training base "${p.name}" on ${records.length} records of ${source}`)
  const base = await trainBase({ records, source, recordName: (i) => `${source} position ${i}`, hiddenDim: p.hiddenDim, epochs: p.epochs, seed: p.seed, onProgress: p.onProgress, signal: p.signal })
  const saved = await saveBase(p.home, p.name, base)
  return { ...saved, labels: base.labels, inputDim: base.inputDim, hiddenDim: base.hiddenDim, training: base.training! }
}

export type TrainAdapterModelParameters = Pick<AppFolders, 'home'> & {
  /** The adapter model's name (a folder under `<home>/models/`). */
  name: string
  /** The base's name (`<home>/bases/<base>/`). */
  base: string
  source: AdapterTrainingSource
  /** Class names in output order (default: the sorted distinct labels of the records). */
  labels?: readonly string[]
  rank?: number
  epochs?: number
  seed?: number
  /** Attribution features per record (default 128). */
  k?: number
  log?: (line: string) => void
  onProgress?: (p: EpochProgress) => void
  signal?: AbortSignal
}

export type TrainAdapterModelReturnType = { dir: string; manifest: ModelManifest; adapterBytes: number; baseBytes: number }

/** Train an adapter on a Datanet version (or a corpus) over a saved base and save it as a model folder. */
export async function trainAdapterModel(p: TrainAdapterModelParameters): Promise<TrainAdapterModelReturnType> {
  const log = p.log ?? noLog
  const dir = modelDir(p.home, p.name)
  const base = await loadBase(p.home, p.base)
  const { records, source } = await readRecords(p.home, p.source)
  log(`training a rank-${p.rank ?? 4} adapter "${p.name}" on base "${p.base}" with ${records.length} records of ${source}`)
  const trained = await trainAdapter({
    base, records, labels: p.labels, source, recordName: (i) => `${source} position ${i}`, rank: p.rank, epochs: p.epochs, seed: p.seed, onProgress: p.onProgress, signal: p.signal,
  })
  log('fitting the attribution projection over the adapter gradients')
  const built = await buildAdapterModel({ name: p.name, baseName: p.base, base, adapter: trained.adapter, rows: trained.rows, y: trained.y, k: p.k, seed: p.seed, signal: p.signal })
  await saveAdapterModel(dir, built)
  return { dir, manifest: built.manifest, adapterBytes: built.adapterBytes.length, baseBytes: base.bytes }
}
