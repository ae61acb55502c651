import { assertIndexMatchesDatanet, loadAttributionIndex, type AttributionIndex } from '../index/index.ts'
import { loadModel, modelDir, type LoadedModel } from '../influence/index.ts'
import type { DatanetInfo, DatanetRef, DatanetVersion, StoredRecord } from '../datanet/index.ts'
import { homeLayout } from '../layout/index.ts'
import type { AppFolders } from './appOptions.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Options of openModelIndex. */
export type OpenModelIndexParameters = Pick<AppFolders, 'home'> & {
  /** Local model name (under `<home>/models/`). */
  model: string
  /** Local datanet id or name. */
  datanet: DatanetRef
  /** Datanet version (default: latest). */
  version?: number
  /** Also read the version's records from the store (attribution needs their contributors). */
  withRecords?: boolean
}

export type OpenModelIndexReturnType = {
  model: LoadedModel
  datanet: DatanetInfo
  version: DatanetVersion
  /** The model's attribution index over that datanet version, checked against the version's id and root. */
  index: AttributionIndex
  records?: StoredRecord[]
}

/**
 * A model and its attribution index over one datanet version, as `poa model index` saved it in
 * `<home>/models/<model>/index/<datanet id>/v<version>/`. Fails with IndexNotFoundError when the
 * model was never indexed over that version, and with an index mismatch error when the index was
 * built over another root.
 */
export async function openModelIndex(p: OpenModelIndexParameters): Promise<OpenModelIndexReturnType> {
  const model = await loadModel(modelDir(p.home, p.model))
  return withDatanetStore(p.home, async (store) => {
    const datanet = store.getDatanet(p.datanet)
    const version = store.getVersion(datanet.id, p.version)
    const index = await loadAttributionIndex(homeLayout(p.home).indexDir(model.dir, String(datanet.id), version.version))
    assertIndexMatchesDatanet(index.manifest, { id: String(datanet.id), version: version.version, root: version.root })
    const records = p.withRecords ? store.getRecords(datanet.id, version.version) : undefined
    return { model, datanet, version, index, records }
  })
}
