import type { ContractTransactionResponse, EventLog, Log, Signer } from 'ethers'
import { toFr, toChecksumAddress } from '../field/index.ts'
import { FieldOutOfRangeError, ValueOutOfRangeError } from '../errors/index.ts'
import type { PoaChain } from '../chain/connectChain.ts'

/** Where a state change landed: enough to find it again and to show it to a user. */
export type ChainReceipt = { txHash: string; blockNumber: number; gasUsed: bigint }

async function mined(tx: ContractTransactionResponse): Promise<{ receipt: ChainReceipt; logs: Array<EventLog | Log> }> {
  const receipt = await tx.wait()
  if (receipt === null) throw new Error(`transaction ${tx.hash} returned no receipt`)
  return { receipt: { txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }, logs: receipt.logs }
}

function registryFor(chain: PoaChain, signer: Signer | undefined) {
  return signer === undefined ? chain.contracts.datanetRegistry : (chain.contracts.datanetRegistry.connect(signer) as typeof chain.contracts.datanetRegistry)
}

const UINT256_MAX = (1n << 256n) - 1n

function positiveId(value: bigint, where: string): bigint {
  if (typeof value !== 'bigint') throw new TypeError(`${where} expected bigint, got ${typeof value}`)
  if (value < 1n || value > UINT256_MAX) throw new ValueOutOfRangeError({ where, value, min: 1n, max: UINT256_MAX })
  return value
}

export type CreateDatanetOnChainParameters = { chain: PoaChain; metadataURI: string; /** Default: the chain's signer. */ signer?: Signer }
export type CreateDatanetOnChainReturnType = ChainReceipt & { datanetId: bigint; owner: string }

/** Create a datanet owned by the chain's signer; returns its on-chain id (from DatanetCreated). */
export async function createDatanetOnChain({ chain, metadataURI, signer }: CreateDatanetOnChainParameters): Promise<CreateDatanetOnChainReturnType> {
  if (typeof metadataURI !== 'string') throw new TypeError(`metadataURI expected string, got ${typeof metadataURI}`)
  const registry = registryFor(chain, signer)
  return chain.run('createDatanet', async () => {
    const { receipt, logs } = await mined(await registry.getFunction('createDatanet')(metadataURI))
    const event = logs.map((log) => registry.interface.parseLog(log)).find((parsed) => parsed?.name === 'DatanetCreated')
    if (!event) throw new Error(`createDatanet ${receipt.txHash} emitted no DatanetCreated`)
    return { ...receipt, datanetId: event.args.datanetId as bigint, owner: event.args.owner as string }
  })
}

export type CommitDatanetRootParameters = {
  chain: PoaChain
  datanetId: bigint
  /** Must be the chain's latest version + 1. */
  version: bigint
  /** Poseidon Merkle root of the version's records, in (0, r). */
  root: bigint
  recordCount: bigint
  contentURI?: string
  /** Default: the chain's signer; must be the datanet's owner or a curator. */
  signer?: Signer
}
export type CommitDatanetRootReturnType = ChainReceipt & { datanetId: bigint; version: bigint; root: bigint }

/** Commit a datanet version's root. Reverts (unauthorised, version not next, root out of range) become ChainRevertError. */
export async function commitDatanetRoot({ chain, datanetId, version, root, recordCount, contentURI = '', signer }: CommitDatanetRootParameters): Promise<CommitDatanetRootReturnType> {
  positiveId(datanetId, 'datanetId')
  positiveId(version, 'version')
  toFr(root, 'root')
  if (root === 0n) throw new FieldOutOfRangeError({ where: 'root (must be nonzero)', value: root })
  if (typeof recordCount !== 'bigint') throw new TypeError(`recordCount expected bigint, got ${typeof recordCount}`)
  if (recordCount < 0n || recordCount > UINT256_MAX) throw new ValueOutOfRangeError({ where: 'recordCount', value: recordCount, min: 0n, max: UINT256_MAX })
  const registry = registryFor(chain, signer)
  return chain.run('commitRoot', async () => {
    const { receipt } = await mined(await registry.getFunction('commitRoot')(datanetId, version, root, recordCount, contentURI))
    return { ...receipt, datanetId, version, root }
  })
}

export type DatanetOnChain = { datanetId: bigint; owner: string; latestVersion: bigint; recordCount: bigint; metadataURI: string }

/** A datanet as the registry holds it; reverts DatanetUnknown (as ChainRevertError) if absent. */
export async function readDatanetOnChain({ chain, datanetId }: { chain: PoaChain; datanetId: bigint }): Promise<DatanetOnChain> {
  positiveId(datanetId, 'datanetId')
  return chain.run('datanet', async () => {
    const d = await chain.contracts.datanetRegistry.getFunction('datanet')(datanetId)
    return { datanetId, owner: d.owner as string, latestVersion: d.latestVersion as bigint, recordCount: d.recordCount as bigint, metadataURI: d.metadataURI as string }
  })
}

/** The root committed for a version, 0n when the version does not exist. */
export async function readDatanetRoot({ chain, datanetId, version }: { chain: PoaChain; datanetId: bigint; version: bigint }): Promise<bigint> {
  return chain.run('root', async () => (await chain.contracts.datanetRegistry.getFunction('root')(datanetId, version)) as bigint)
}

/** Allow (or, with `remove`, disallow) an account to commit roots of a datanet. Owner only. */
export async function setDatanetCurator({ chain, datanetId, curator, remove = false, signer }: { chain: PoaChain; datanetId: bigint; curator: string; remove?: boolean; signer?: Signer }): Promise<ChainReceipt> {
  positiveId(datanetId, 'datanetId')
  const address = toChecksumAddress(curator, 'curator')
  return chain.run(remove ? 'removeCurator' : 'addCurator', async () => {
    const { receipt } = await mined(await registryFor(chain, signer).getFunction(remove ? 'removeCurator' : 'addCurator')(datanetId, address))
    return receipt
  })
}

/** Hand a datanet to a new owner (curators are kept). Owner only. */
export async function transferDatanetOwnership({ chain, datanetId, newOwner, signer }: { chain: PoaChain; datanetId: bigint; newOwner: string; signer?: Signer }): Promise<ChainReceipt> {
  positiveId(datanetId, 'datanetId')
  const address = toChecksumAddress(newOwner, 'newOwner')
  return chain.run('transferOwnership', async () => {
    const { receipt } = await mined(await registryFor(chain, signer).getFunction('transferOwnership')(datanetId, address))
    return receipt
  })
}

export { mined as waitMined }
