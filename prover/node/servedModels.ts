import type { PoaChain } from '../chain/connectChain.ts'
import { readModelOnChain } from '../clients/modelRegistry.ts'
import type { DatanetRef, DatanetStore, StoredRecord } from '../datanet/index.ts'
import { PoaError } from '../errors/index.ts'
import { indexDir, loadAttributionIndex, type AttributionIndex } from '../index/index.ts'
import type { LoadedModel } from '../influence/index.ts'

/**
 * Which on-chain models this node can prove for: each registered model whose model hash is one of
 * the node's local models and whose index root is the one the node holds for that datanet version.
 * A model registered with an index the node does not have is skipped (another node serves it).
 */
export type ServedModel = { modelId: bigint; model: LoadedModel; index: AttributionIndex; records: StoredRecord[]; featureScale: number }

export class NoServedModelError extends PoaError {
  constructor({ models, scanned }: { models: string[]; scanned: number }) {
    super('NODE_NO_MODEL', 'BAD_INPUT', `none of the ${scanned} registered models is one of [${models.join(', ')}] with a local index of the same root (register it, or build its index with "poa model index")`, {
      meta: { models, scanned },
    })
  }
}

export type ServedModels = { byId: Map<string, ServedModel>; scanned: number }

/** Scan ModelRegistry ids after `from.scanned` and add the ones this node serves. */
export async function resolveServedModels(p: { chain: PoaChain; models: readonly LoadedModel[]; store: DatanetStore; datanet: DatanetRef; from?: ServedModels }): Promise<ServedModels> {
  const byId = new Map(p.from?.byId ?? [])
  const count = Number(await p.chain.run('read modelCount', () => p.chain.contracts.modelRegistry.getFunction('modelCount')()))
  const info = p.store.getDatanet(p.datanet)
  for (let id = (p.from?.scanned ?? 0) + 1; id <= count; id++) {
    const onChain = await readModelOnChain({ chain: p.chain, modelId: BigInt(id) })
    const model = p.models.find((m) => BigInt(m.manifest.modelHash) === onChain.modelHash)
    if (!model) continue
    const version = Number(onChain.datanetVersion)
    const index = await loadAttributionIndex(indexDir(model.dir, String(info.id), version)).catch(() => undefined)
    if (!index || index.tree.root !== onChain.indexRoot) continue
    byId.set(String(id), { modelId: BigInt(id), model, index, records: p.store.getRecords(info.id, version), featureScale: onChain.featureScale })
  }
  return { byId, scanned: count }
}
