import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Contract, ContractFactory, Interface, type InterfaceAbi, type Signer } from 'ethers'
import { getHardhatRuntime } from './hardhatRuntime.ts'
import { toChainError, type NamedInterface } from './chainErrors.ts'

/** ABI and creation bytecode of one compiled contract (build/hardhat/artifacts). */
export type ContractArtifact = { contractName: string; abi: InterfaceAbi; bytecode: string }

/** Read a compiled contract by name (compiling `contracts/` first if needed). */
export async function loadArtifact(name: string): Promise<ContractArtifact> {
  const hre = await getHardhatRuntime()
  const artifact = await hre.artifacts.readArtifact(name)
  return { contractName: artifact.contractName, abi: artifact.abi as InterfaceAbi, bytecode: artifact.bytecode }
}

/** Our core contracts, deployed by `deployCoreContracts`. */
export const CORE_CONTRACTS = ['DatanetRegistry', 'ModelRegistry', 'OpenToken'] as const
export type CoreContractName = (typeof CORE_CONTRACTS)[number]

/**
 * What is deployed on one chain. `contracts` maps a contract name to its address; other modules add
 * theirs (AttributionSettlement, the verifier, governance) through `chain.recordDeployment`.
 */
export type Deployment = {
  chainId: string
  deployer: string
  deployedAtBlock: number
  contracts: Record<string, string>
}

/** `<home>/chain/deployment.json` for the embedded chain, `<home>/chain/deployment-<chainId>.json` for an RPC chain. */
export function deploymentPath({ home, chainId, embedded }: { home: string; chainId: bigint; embedded: boolean }): string {
  return join(home, 'chain', embedded ? 'deployment.json' : `deployment-${chainId}.json`)
}

export async function readDeployment(path: string): Promise<Deployment | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Deployment
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Write atomically (temp file + rename): a crash never leaves half a deployment file. */
export async function writeDeployment(path: string, deployment: Deployment): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(deployment, null, 2)}\n`)
  await rename(tmp, path)
}

export type DeployContractParameters = { signer: Signer; name: string; args?: readonly unknown[] }
export type DeployContractReturnType = { name: string; address: string; contract: Contract; txHash: string; gasUsed: bigint; blockNumber: number }

/** Deploy one compiled contract by name and wait for it to be mined; reverts become ChainRevertError. */
export async function deployContract({ signer, name, args = [] }: DeployContractParameters): Promise<DeployContractReturnType> {
  const artifact = await loadArtifact(name)
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer)
  const iface: NamedInterface = { name, iface: new Interface(artifact.abi) }
  try {
    const deployed = await factory.deploy(...args)
    const receipt = await deployed.deploymentTransaction()!.wait()
    if (receipt === null) throw new Error(`deployment of ${name} returned no receipt`)
    const address = await deployed.getAddress()
    return { name, address, contract: new Contract(address, artifact.abi, signer), txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, `deploy ${name}`, [iface])
  }
}

export type DeployCoreContractsParameters = {
  signer: Signer
  /** Receives the whole $OPEN supply; default the signer. */
  treasury?: string
}
export type DeployCoreContractsReturnType = { contracts: Record<CoreContractName, string>; deployedAtBlock: number; gasUsed: Record<CoreContractName, bigint> }

/**
 * Deploy DatanetRegistry, ModelRegistry (pointing at it; ownerless: anyone registers) and OpenToken.
 * The settlement and governance code deploy theirs next to these, passing the returned addresses.
 */
export async function deployCoreContracts({ signer, treasury }: DeployCoreContractsParameters): Promise<DeployCoreContractsReturnType> {
  const datanets = await deployContract({ signer, name: 'DatanetRegistry' })
  const models = await deployContract({ signer, name: 'ModelRegistry', args: [datanets.address] })
  const token = await deployContract({ signer, name: 'OpenToken', args: [treasury ?? (await signer.getAddress())] })
  return {
    contracts: { DatanetRegistry: datanets.address, ModelRegistry: models.address, OpenToken: token.address },
    deployedAtBlock: datanets.blockNumber,
    gasUsed: { DatanetRegistry: datanets.gasUsed, ModelRegistry: models.gasUsed, OpenToken: token.gasUsed },
  }
}
