import { loadAttributionIndex } from '../index/index.ts'
import { loadModel } from '../influence/index.ts'
import { homeLayout } from '../layout/index.ts'
import { readDatanetRoot } from '../clients/datanetRegistry.ts'
import { readModelOnChain } from '../clients/modelRegistry.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import type { ServedModel } from '../node/servedModels.ts'
import { findCircuitSet } from '../proof/circuitParams.ts'
import type { AttributionParams } from '../witness/index.ts'
import { findLocalDatanetVersion, findLocalModelDir } from './localModels.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/**
 * This home's copies of what a registered model's inferences are proven (and challenged) over: the
 * model (found by its hash), the datanet version (found by its root) and the model's index over it
 * (its root must be the registered one, its depth and k the circuit's). `fail` names what is missing.
 */
export async function loadServedInference(p: { home: string; chain: PoaChain; modelId: bigint; params: AttributionParams; circuitSet: string; fail: (reason: string) => Error }): Promise<ServedModel> {
  const { chain, params, fail } = p
  const onChain = await readModelOnChain({ chain, modelId: p.modelId })
  const dir = findLocalModelDir(p.home, onChain.modelHash, onChain)
  if (!dir) throw fail(`no model in ${homeLayout(p.home).modelsDir} has the hash of its model #${onChain.modelId} with its k = ${onChain.k} and projection seed ${onChain.projectionSeed} (a prover needs the model it proves for)`)
  const model = await loadModel(dir)
  const version = Number(onChain.datanetVersion)
  return withDatanetStore(p.home, async (store) => {
    const local = findLocalDatanetVersion(store, version, await readDatanetRoot({ chain, datanetId: onChain.datanetId, version: BigInt(version) }))
    if (!local) throw fail(`no local datanet holds on-chain datanet ${onChain.datanetId} v${version} (import the same records: the roots must match)`)
    const index = await loadAttributionIndex(homeLayout(p.home).indexDir(model.dir, String(local.datanet.id), version)).catch(() => undefined)
    if (!index) throw fail(`model "${model.manifest.name}" has no index over datanet "${local.datanet.name}" v${version} (poa model index)`)
    if (index.tree.root !== onChain.indexRoot) throw fail(`the local index root 0x${index.tree.root.toString(16)} is not the registered 0x${onChain.indexRoot.toString(16)}`)
    // Before scoring: a circuit proves only an index of its own depth and feature count.
    const { treeDepth, k } = index.manifest
    if (treeDepth !== params.treeDepth || k !== params.featureCount) {
      const fits = findCircuitSet({ featureCount: k, treeDepth })
      throw fail(`circuit set "${p.circuitSet}" proves depth ${params.treeDepth} and k = ${params.featureCount}, the index has depth ${treeDepth} and k = ${k} (${fits ? `use --circuit ${fits}` : 'no circuit set fits: create the datanet with --depth and train with --k of a set'})`)
    }
    return { modelId: onChain.modelId, model, index, records: store.getRecords(local.datanet.id, version), featureScale: onChain.featureScale }
  })
}
