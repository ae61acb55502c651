import { saveAttributionIndex, type IndexManifest } from '../index/index.ts'
import { buildModelIndex, loadModel, modelDir, type IndexRecord, type ProviderRequest } from '../influence/index.ts'
import type { DatanetRef } from '../datanet/index.ts'
import { homeLayout } from '../layout/index.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Options of indexModel. */
export type IndexModelParameters = Pick<AppFolders, 'home'> & Pick<AppReporting, 'onProgress'> & {
  model: string
  datanet: DatanetRef
  version?: number
  provider?: ProviderRequest
}

export type IndexModelReturnType = IndexManifest & { dir: string; provider: string }

/**
 * Build a model's attribution index (per-record features and their 4-ary tree) over a datanet
 * version and save it under `<home>/models/<model>/index/<datanet id>/v<version>/`.
 */
export async function indexModel(p: IndexModelParameters): Promise<IndexModelReturnType> {
  const loaded = await loadModel(modelDir(p.home, p.model))
  const labels = loaded.manifest.labels
  return withDatanetStore(p.home, async (store) => {
    const info = store.getDatanet(p.datanet)
    const v = store.getVersion(info.id, p.version)
    const records: IndexRecord[] = store.getRecords(info.id, v.version).map((r) => ({
      contributor: r.contributor, content: r.content, leaf: r.leaf, datanetLabel: r.label,
      // A stored label is a class name, or a class index written as digits.
      label: r.label !== undefined && /^\d+$/.test(r.label) && !labels.includes(r.label) ? Number(r.label) : (r.label ?? ''),
    }))
    const datanet = { id: String(info.id), version: v.version, root: v.root }
    const built = await buildModelIndex({ model: loaded, records, datanet, treeDepth: info.depth, recordName: (i) => `datanet "${info.name}" v${v.version} position ${i}`, provider: p.provider, onProgress: (p.onProgress ?? noProgress)('indexing') })
    const dir = homeLayout(p.home).indexDir(loaded.dir, datanet.id, datanet.version)
    await saveAttributionIndex(dir, built.index)
    return { dir, provider: built.provider, ...built.index.manifest }
  })
}
