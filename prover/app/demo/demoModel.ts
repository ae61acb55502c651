import type { Signer } from 'ethers'
import type { PoaChain } from '../../chain/connectChain.ts'
import { registerModelOnChain } from '../../clients/modelRegistry.ts'
import type { DatanetStore } from '../../datanet/index.ts'
import { saveAttributionIndex, type AttributionIndex } from '../../index/index.ts'
import { buildModelIndex, loadModel, modelDir, trainModel, saveModel, type LoadedModel } from '../../influence/index.ts'
import { homeLayout } from '../../layout/index.ts'
import type { DemoDatanet } from './demoDatanet.ts'
import type { DemoRun } from './demoRun.ts'

const DEMO_MODEL = 'spam-linear'

export type DemoModel = { name: string; model: LoadedModel; index: AttributionIndex; provider: string; modelId: bigint }

/**
 * The model: trained in TS on the datanet's records, saved as ONNX under `<home>/models/`, its
 * attribution index built over this datanet version, and both registered on-chain by the model owner.
 */
export async function trainDemoModel(run: DemoRun, p: { home: string; chain: PoaChain; store: DatanetStore; data: DemoDatanet; featureCount: number; treeDepth: number; modelOwner: Signer }): Promise<DemoModel> {
  const { datanet, version } = p.data
  const trained = await run.timed('train', () => trainModel({ name: DEMO_MODEL, records: p.data.records, projection: { k: p.featureCount }, onProgress: run.progress('training') }))
  const dir = modelDir(p.home, DEMO_MODEL)
  await saveModel({ dir, ...trained })
  const model = await loadModel(dir)
  const leaves = p.store.getLeaves(datanet.id, version.version)
  const stored = p.store.getRecords(datanet.id, version.version)
  const { index, provider } = await run.timed('index', () =>
    buildModelIndex({
      model,
      records: stored.map((r, i) => ({ contributor: r.contributor, content: r.content, label: r.label ?? 'ham', datanetLabel: r.label, leaf: leaves[i] })),
      datanet: { id: String(datanet.id), version: version.version, root: version.root },
      treeDepth: p.treeDepth,
      onProgress: run.progress('index features'),
    }),
  )
  await saveAttributionIndex(homeLayout(p.home).indexDir(dir, String(datanet.id), version.version), index)
  const registered = await registerModelOnChain({
    chain: p.chain, signer: p.modelOwner, modelHash: BigInt(model.manifest.modelHash), datanetId: p.data.chainDatanetId,
    datanetVersion: BigInt(version.version), indexRoot: index.tree.root, k: index.manifest.k,
    featureScale: index.manifest.featureFracBits, projectionSeed: BigInt(model.manifest.projection.seed), metadataURI: `poa://model/${DEMO_MODEL}`,
  })
  run.tx('register model', registered)
  return { name: DEMO_MODEL, model, index, provider, modelId: registered.modelId }
}
