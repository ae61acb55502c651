import type { EventLog } from 'ethers'
import type { PoaChain } from '../chain/connectChain.ts'
import { readDatanetRoot } from '../clients/datanetRegistry.ts'
import { registerModelOnChain } from '../clients/modelRegistry.ts'
import type { DatanetRef } from '../datanet/index.ts'
import { PoaError } from '../errors/index.ts'
import type { AppChain, AppFolders } from './appOptions.ts'
import { openModelIndex } from './openModelIndex.ts'
import { withChainSession } from './withChainSession.ts'

/** The datanet version a model is registered over is not on-chain with the root the index was built over. */
export class ModelDatanetNotOnChainError extends PoaError {
  constructor({ datanet, version, root, reason }: { datanet: string; version: number; root: bigint; reason: string }) {
    super('MODEL_DATANET_NOT_ON_CHAIN', 'BAD_INPUT', `datanet "${datanet}" version ${version} (root 0x${root.toString(16)}): ${reason}`, { meta: { datanet, version, root } })
  }
}

export type RegisterModelParameters = AppFolders & AppChain & {
  /** Local model name (under `<home>/models/`), indexed over the datanet version with `poa model index`. */
  model: string
  /** Local datanet id or name whose version the index covers. */
  datanet: DatanetRef
  /** Datanet version (default: latest). */
  version?: number
  /** The datanet's on-chain id; default: the one on-chain datanet whose root at this version is the local root. */
  chainDatanetId?: bigint
  metadataURI?: string
  /** Model owner: a development account index (embedded chain or poa chain node) or a private key; default the chain's signer. */
  account?: number | string
}

export type RegisterModelReturnType = {
  modelId: bigint
  modelHash: bigint
  chainDatanetId: bigint
  datanetVersion: number
  indexRoot: bigint
  k: number
  featureScale: number
  owner: string
  txHash: string
  gasUsed: bigint
}

/**
 * Register a local model on ModelRegistry with its attribution index root over a committed datanet
 * version: the model owner's step between `poa model index` and a host recording inferences.
 * The datanet version must be on-chain with the very root the index was built over (checked here,
 * so a model is never registered against data it was not indexed on).
 */
export async function registerModel(p: RegisterModelParameters): Promise<RegisterModelReturnType> {
  const { model, datanet, version, index } = await openModelIndex({ home: p.home, model: p.model, datanet: p.datanet, version: p.version })
  return withChainSession({ home: p.home, chain: p.chain }, async (chain) => {
    const chainDatanetId = p.chainDatanetId ?? (await findDatanetByRoot(chain, datanet.name, version.version, version.root))
    const onChainRoot = await readDatanetRoot({ chain, datanetId: chainDatanetId, version: BigInt(version.version) })
    if (onChainRoot !== version.root) {
      throw new ModelDatanetNotOnChainError({
        datanet: datanet.name, version: version.version, root: version.root,
        reason: onChainRoot === 0n ? `on-chain datanet ${chainDatanetId} has no version ${version.version} (commit it: poa datanet commit)` : `on-chain datanet ${chainDatanetId} holds root 0x${onChainRoot.toString(16)} at that version`,
      })
    }
    const signer = p.account === undefined ? chain.signer : chain.getSigner(p.account)
    const registered = await registerModelOnChain({
      chain, signer, modelHash: BigInt(model.manifest.modelHash), datanetId: chainDatanetId, datanetVersion: BigInt(version.version),
      indexRoot: index.tree.root, k: index.manifest.k, featureScale: index.manifest.featureFracBits,
      projectionSeed: BigInt(model.manifest.projection.seed), metadataURI: p.metadataURI ?? `poa://model/${p.model}`,
    })
    return {
      modelId: registered.modelId, modelHash: BigInt(model.manifest.modelHash), chainDatanetId, datanetVersion: version.version, indexRoot: index.tree.root,
      k: index.manifest.k, featureScale: index.manifest.featureFracBits, owner: await signer.getAddress(), txHash: registered.txHash, gasUsed: registered.gasUsed,
    }
  })
}

/** The one on-chain datanet that committed `root` as `version` (the model owner need not own the datanet). */
async function findDatanetByRoot(chain: PoaChain, name: string, version: number, root: bigint): Promise<bigint> {
  const registry = chain.contracts.datanetRegistry
  const events = (await registry.queryFilter(registry.filters.RootCommitted!(null, version), chain.deployment.deployedAtBlock)) as EventLog[]
  const ids = [...new Set(events.filter((e) => BigInt(e.args.root) === root).map((e) => BigInt(e.args.datanetId)))]
  if (ids.length === 1) return ids[0]
  throw new ModelDatanetNotOnChainError({
    datanet: name, version, root,
    reason: ids.length === 0 ? 'no on-chain datanet committed this root as this version (commit it: poa datanet commit)' : `on-chain datanets ${ids.join(', ')} all hold it: pass --chain-datanet <id>`,
  })
}
