import { availableParallelism } from 'node:os'
import type { IndexManifest } from '../index/index.ts'
import { loadModel, modelDir, streamModelIndex, type IndexRecord, type IndexRecordSource, type ProviderRequest } from '../influence/index.ts'
import type { DatanetRef, StoredRecord } from '../datanet/index.ts'
import { homeLayout } from '../layout/index.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Options of indexModel. */
export type IndexModelParameters = Pick<AppFolders, 'home'> & Pick<AppReporting, 'onProgress' | 'signal'> & {
  model: string
  datanet: DatanetRef
  version?: number
  provider?: ProviderRequest
  /** Records read from the store and checkpointed at a time (streamModelIndex's batchSize; default 8,192). */
  batchSize?: number
}

/** `provider`: the execution provider of this run's features ('resumed' when an interrupted build had none left); `resumedFrom`: records an interrupted run had finished. */
export type IndexModelReturnType = IndexManifest & { dir: string; provider: string; resumedFrom: number }

/**
 * Build a model's attribution index (per-record features and their 4-ary tree) over a datanet
 * version and save it under `<home>/models/<model>/index/<datanet id>/v<version>/`. The build
 * streams (`streamModelIndex`), reading the records from the datanet store a batch at a time: a
 * killed `poa model index` resumes from its last checkpoint.
 */
export async function indexModel(p: IndexModelParameters): Promise<IndexModelReturnType> {
  const loaded = await loadModel(modelDir(p.home, p.model))
  const labels = loaded.manifest.labels
  const toIndexRecord = (r: StoredRecord): IndexRecord => ({
    contributor: r.contributor, content: r.content, leaf: r.leaf, datanetLabel: r.label,
    // A stored label is a class name, or a class index written as digits.
    label: r.label !== undefined && /^\d+$/.test(r.label) && !labels.includes(r.label) ? Number(r.label) : (r.label ?? ''),
  })
  return withDatanetStore(p.home, async (store) => {
    const info = store.getDatanet(p.datanet)
    const v = store.getVersion(info.id, p.version)
    // Read from the store a checkpoint batch at a time (bounded memory), not every record up front.
    const records: IndexRecordSource = { count: v.recordCount, read: (start, end) => store.readRecords(info.id, v.version, start, end).map(toIndexRecord) }
    const datanet = { id: String(info.id), version: v.version, root: v.root }
    const dir = homeLayout(p.home).indexDir(loaded.dir, datanet.id, datanet.version)
    const built = await streamModelIndex({
      model: loaded, records, datanet, dir, treeDepth: info.depth, recordName: (i) => `datanet "${info.name}" v${v.version} position ${i}`,
      provider: p.provider, threads: availableParallelism(), batchSize: p.batchSize, signal: p.signal, onProgress: (p.onProgress ?? noProgress)('indexing'),
    })
    return { dir, provider: built.provider ?? 'resumed', resumedFrom: built.resumedFrom, ...built.manifest }
  })
}
