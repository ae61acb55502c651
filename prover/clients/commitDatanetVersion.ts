import type { EventLog } from 'ethers'
import { PoaError } from '../errors/index.ts'
import type { DatanetRef, DatanetStore, DatanetVersion } from '../datanet/index.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { commitDatanetRoot, createDatanetOnChain, readDatanetOnChain, setDatanetCurator, transferDatanetOwnership } from './datanetRegistry.ts'

/** The chain already holds a different root for a version than the local store does. */
export class ChainRootConflictError extends PoaError {
  constructor({ datanet, chainDatanetId, version, local, onChain }: { datanet: string; chainDatanetId: bigint; version: number; local: bigint; onChain: bigint }) {
    super(
      'CHAIN_ROOT_CONFLICT',
      'CHAIN',
      `datanet "${datanet}" version ${version}: on-chain datanet ${chainDatanetId} holds root 0x${onChain.toString(16)}, the local store 0x${local.toString(16)}`,
      { meta: { datanet, chainDatanetId, version, local, onChain } },
    )
  }
}

/** The metadata URI by which a local datanet finds its on-chain twin among its signer's datanets. */
export function datanetMetadataURI(name: string): string {
  return `poa://datanet/${name}`
}

export type CommitDatanetVersionParameters = {
  chain: PoaChain
  store: DatanetStore
  datanet: DatanetRef
  /** Local version to commit (default: the latest). Earlier versions not yet on-chain are committed first, in order. */
  version?: number
  /** Content URI stored with the root; default `poa://datanet/<name>/v<version>`. */
  contentURI?: string
  /** On-chain datanet id, for a curator or a datanet created elsewhere; default: found by owner and metadata URI, else created. */
  chainDatanetId?: bigint
  onProgress?: (p: { done: number; total: number; unit: string }) => void
}

export type VersionCommitResult = { version: number; root: bigint; recordCount: number; txHash: string; blockNumber: number; alreadyCommitted: boolean }

export type CommitDatanetVersionReturnType = {
  datanet: { id: number; name: string }
  chainId: bigint
  registry: string
  chainDatanetId: bigint
  createdOnChain: boolean
  /** The on-chain owner set at creation: the datanet's local owner (`datanet create --owner`). */
  owner?: string
  /** Set when the owner is not the signer: the signer became a curator, so it can commit for the owner. */
  curator?: string
  commits: VersionCommitResult[]
}

/**
 * Put a local datanet version on-chain: find (or create) the datanet in DatanetRegistry, commit each
 * version up to `version` that the chain lacks (on-chain versions are the local ones, 1:1), check
 * the ones it has carry the same root, and record every commit (tx hash, block) in the store.
 */
export async function commitDatanetVersion(p: CommitDatanetVersionParameters): Promise<CommitDatanetVersionReturnType> {
  const { chain, store } = p
  const info = store.getDatanet(p.datanet)
  const target = store.getVersion(info.id, p.version)
  const registry = await chain.contracts.datanetRegistry.getAddress()

  let chainDatanetId = p.chainDatanetId
  let createdOnChain = false
  if (chainDatanetId === undefined) chainDatanetId = await findChainDatanet(chain, info.name)
  let owner: string | undefined
  let curator: string | undefined
  if (chainDatanetId === undefined) {
    chainDatanetId = (await createDatanetOnChain({ chain, metadataURI: datanetMetadataURI(info.name) })).datanetId
    createdOnChain = true
    owner = info.owner
    // `datanet create --owner X` means X owns it on-chain too. The signer that creates it keeps the
    // right to commit as X's curator (X can remove it), so one operator may commit for an owner.
    if (owner.toLowerCase() !== chain.signerAddress.toLowerCase()) {
      await setDatanetCurator({ chain, datanetId: chainDatanetId, curator: chain.signerAddress })
      await transferDatanetOwnership({ chain, datanetId: chainDatanetId, newOwner: owner })
      curator = chain.signerAddress
    }
  }
  const onChain = await readDatanetOnChain({ chain, datanetId: chainDatanetId })

  const versions = store.listVersions(info.id).filter((v) => v.version <= target.version)
  const commits: VersionCommitResult[] = []
  let done = 0
  for (const local of versions) {
    const result =
      BigInt(local.version) <= onChain.latestVersion
        ? await existingCommit(chain, info.name, chainDatanetId, local)
        : await newCommit(chain, chainDatanetId, local, local.version === target.version && p.contentURI !== undefined ? p.contentURI : `${datanetMetadataURI(info.name)}/v${local.version}`)
    store.recordVersionCommit({ datanet: info.id, version: local.version, txHash: result.txHash, blockNumber: result.blockNumber, chainId: chain.chainId, registry })
    commits.push(result)
    p.onProgress?.({ done: ++done, total: versions.length, unit: 'versions' })
  }
  return { datanet: { id: info.id, name: info.name }, chainId: chain.chainId, registry, chainDatanetId, createdOnChain, ...(owner ? { owner } : {}), ...(curator ? { curator } : {}), commits }
}

async function newCommit(chain: PoaChain, datanetId: bigint, local: DatanetVersion, contentURI: string): Promise<VersionCommitResult> {
  const mined = await commitDatanetRoot({ chain, datanetId, version: BigInt(local.version), root: local.root, recordCount: BigInt(local.recordCount), contentURI })
  return { version: local.version, root: local.root, recordCount: local.recordCount, txHash: mined.txHash, blockNumber: mined.blockNumber, alreadyCommitted: false }
}

/** A version the chain already has: its root must match; its commit transaction is read from the RootCommitted event. */
async function existingCommit(chain: PoaChain, name: string, datanetId: bigint, local: DatanetVersion): Promise<VersionCommitResult> {
  const registry = chain.contracts.datanetRegistry
  const onChainRoot = (await registry.getFunction('root')(datanetId, local.version)) as bigint
  if (onChainRoot !== local.root) throw new ChainRootConflictError({ datanet: name, chainDatanetId: datanetId, version: local.version, local: local.root, onChain: onChainRoot })
  const events = await registry.queryFilter(registry.filters.RootCommitted!(datanetId, local.version), chain.deployment.deployedAtBlock)
  const event = events[0]
  if (!event) throw new Error(`version ${local.version} of datanet ${datanetId} has a root but no RootCommitted event`)
  return { version: local.version, root: local.root, recordCount: local.recordCount, txHash: event.transactionHash, blockNumber: event.blockNumber, alreadyCommitted: true }
}

/** The lowest-id on-chain datanet that our signer created for this name, if any. */
async function findChainDatanet(chain: PoaChain, name: string): Promise<bigint | undefined> {
  const registry = chain.contracts.datanetRegistry
  const events = await registry.queryFilter(registry.filters.DatanetCreated!(null, chain.signerAddress), chain.deployment.deployedAtBlock)
  const uri = datanetMetadataURI(name)
  const match = events.find((e) => (e as EventLog).args?.metadataURI === uri)
  return match ? ((match as EventLog).args.datanetId as bigint) : undefined
}
