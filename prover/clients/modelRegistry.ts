import type { Signer } from 'ethers'
import { toFr } from '../field/index.ts'
import { FieldOutOfRangeError, ValueOutOfRangeError } from '../errors/index.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { waitMined, type ChainReceipt } from './datanetRegistry.ts'

export type RegisterModelOnChainParameters = {
  chain: PoaChain
  /** Field-fitted hash of the model file (hashToField), nonzero, < r. */
  modelHash: bigint
  datanetId: bigint
  datanetVersion: bigint
  /** Root of the model's attribution index tree, nonzero, < r. */
  indexRoot: bigint
  /** Feature dimension, 1..2^32-1. */
  k: number
  /** Fixed-point fractional bits of the features, 0..255. */
  featureScale: number
  projectionSeed: bigint
  metadataURI?: string
  /** Default: the chain's signer, who becomes the model's owner. */
  signer?: Signer
}
export type RegisterModelOnChainReturnType = ChainReceipt & { modelId: bigint }

/** Register a model on ModelRegistry; an unknown datanet version reverts ModelDatanetVersionUnknown (ChainRevertError). */
export async function registerModelOnChain(p: RegisterModelOnChainParameters): Promise<RegisterModelOnChainReturnType> {
  toFr(p.modelHash, 'modelHash')
  toFr(p.indexRoot, 'indexRoot')
  toFr(p.projectionSeed, 'projectionSeed')
  if (p.modelHash === 0n) throw new FieldOutOfRangeError({ where: 'modelHash (must be nonzero)', value: 0n })
  if (p.indexRoot === 0n) throw new FieldOutOfRangeError({ where: 'indexRoot (must be nonzero)', value: 0n })
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > 0xffffffff) throw new ValueOutOfRangeError({ where: 'k', value: p.k, min: 1, max: 0xffffffff })
  if (!Number.isInteger(p.featureScale) || p.featureScale < 0 || p.featureScale > 255) {
    throw new ValueOutOfRangeError({ where: 'featureScale', value: p.featureScale, min: 0, max: 255 })
  }
  const registry = p.signer === undefined ? p.chain.contracts.modelRegistry : (p.chain.contracts.modelRegistry.connect(p.signer) as typeof p.chain.contracts.modelRegistry)
  return p.chain.run('registerModel', async () => {
    const tx = await registry.getFunction('registerModel')(
      p.modelHash, p.datanetId, p.datanetVersion, p.indexRoot, p.k, p.featureScale, p.projectionSeed, p.metadataURI ?? '',
    )
    const { receipt, logs } = await waitMined(tx)
    const event = logs.map((log) => registry.interface.parseLog(log)).find((parsed) => parsed?.name === 'ModelRegistered')
    if (!event) throw new Error(`registerModel ${receipt.txHash} emitted no ModelRegistered`)
    return { ...receipt, modelId: event.args.modelId as bigint }
  })
}

export type ModelOnChain = {
  modelId: bigint
  owner: string
  modelHash: bigint
  datanetId: bigint
  datanetVersion: bigint
  indexRoot: bigint
  k: number
  featureScale: number
  projectionSeed: bigint
  registeredAtBlock: bigint
  metadataURI: string
}

/** A registered model; an unknown id reverts ModelUnknown (ChainRevertError). */
export async function readModelOnChain({ chain, modelId }: { chain: PoaChain; modelId: bigint }): Promise<ModelOnChain> {
  return chain.run('model', async () => {
    const m = await chain.contracts.modelRegistry.getFunction('model')(modelId)
    return {
      modelId,
      owner: m.owner,
      modelHash: m.modelHash,
      datanetId: m.datanetId,
      datanetVersion: m.datanetVersion,
      indexRoot: m.indexRoot,
      k: Number(m.k),
      featureScale: Number(m.featureScale),
      projectionSeed: m.projectionSeed,
      registeredAtBlock: m.registeredAtBlock,
      metadataURI: m.metadataURI,
    }
  })
}
