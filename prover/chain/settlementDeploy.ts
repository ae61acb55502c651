import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { ContractFactory, Contract, Interface, type Signer } from 'ethers'
import { REPO_ROOT } from './hardhatRuntime.ts'
import { toChainError } from './chainErrors.ts'
import { PoaError } from '../errors/index.ts'
import { circuitIdOf, generateVerifier, verifierContractName, type GenerateVerifierReturnType } from './verifierGen.ts'

/** Fee split in basis points of the fee; the four sum to 10,000. */
export type SettlementShares = {
  contributorsBps: number
  proverBps: number
  modelOwnerBps: number
  treasuryBps: number
}

/** 70% contributors, 10% prover, 15% model owner, 5% treasury: a starting point governance can change. */
export const DEFAULT_SHARES: SettlementShares = Object.freeze({ contributorsBps: 7000, proverBps: 1000, modelOwnerBps: 1500, treasuryBps: 500 })
/** One day: a prover has this long to settle before the host may take the fee back. */
export const DEFAULT_REFUND_TIMEOUT_S = 86_400

const ARTIFACTS_DIR = join(REPO_ROOT, 'build', 'hardhat', 'artifacts', 'contracts')

/** A compiled contract's artifact is missing: the contracts were not compiled after generation. */
export class ArtifactMissingError extends PoaError {
  constructor({ contract, path }: { contract: string; path: string }) {
    super('CONTRACT_ARTIFACT_MISSING', 'INTERNAL', `artifact of ${contract} not found at ${path}: generate verifiers, then compile the contracts`, {
      meta: { contract, path },
    })
  }
}

type Artifact = { abi: any[]; bytecode: string }

function loadArtifact(sourceDir: string, contract: string): Artifact {
  const path = join(ARTIFACTS_DIR, sourceDir, `${contract}.sol`, `${contract}.json`)
  if (!existsSync(path)) throw new ArtifactMissingError({ contract, path })
  return JSON.parse(readFileSync(path, 'utf8')) as Artifact
}

/** ABI of AttributionSettlement (for decoding its custom errors and events). */
export function settlementInterface(): Interface {
  return new Interface(loadArtifact('settlement', 'AttributionSettlement').abi)
}

/** ABI of AttributionSettlement, plus the verifier interface's own error. */
export function settlementAbi(): any[] {
  return loadArtifact('settlement', 'AttributionSettlement').abi
}

export type PrepareVerifiersParameters = { circuits: readonly { circuitName: string; zkeyPath: string }[] }

/**
 * Write the generated verifier sources for `circuits` (skipped per circuit when its zkey is
 * unchanged). Call before compiling the contracts (`getHardhatRuntime()` / `hre.run('compile')`).
 */
export async function prepareVerifiers({ circuits }: PrepareVerifiersParameters): Promise<GenerateVerifierReturnType[]> {
  const out: GenerateVerifierReturnType[] = []
  for (const c of circuits) out.push(await generateVerifier(c))
  return out
}

export type DeploySettlementParameters = {
  signer: Signer
  token: string
  datanetRegistry: string
  modelRegistry: string
  /** Receives the treasury share. */
  treasury: string
  /** Owner of the parameters (default: the signer; transfer to governance's Timelock later). */
  owner?: string
  shares?: SettlementShares
  refundTimeoutS?: number
  /** Circuits whose (already generated and compiled) verifiers are deployed and approved. */
  circuits?: readonly string[]
}

export type DeploySettlementReturnType = {
  settlement: string
  verifiers: Record<string, { address: string; circuitId: string; deployGas: bigint }>
  deployGas: bigint
}

/**
 * Deploy AttributionSettlement next to the registries and token, then deploy and approve one
 * generated verifier per circuit. The signer must be the owner for the approvals, so approvals
 * happen before `owner` (if different) takes over.
 */
export async function deploySettlement(params: DeploySettlementParameters): Promise<DeploySettlementReturnType> {
  const { signer, token, datanetRegistry, modelRegistry, treasury, circuits = [] } = params
  const shares = params.shares ?? DEFAULT_SHARES
  const self = await signer.getAddress()
  const artifact = loadArtifact('settlement', 'AttributionSettlement')
  const iface = new Interface(artifact.abi)
  try {
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer)
    const deployed = await factory.deploy(token, datanetRegistry, modelRegistry, self, treasury, shares, params.refundTimeoutS ?? DEFAULT_REFUND_TIMEOUT_S)
    const receipt = await deployed.deploymentTransaction()!.wait()
    const settlement = await deployed.getAddress()
    const contract = new Contract(settlement, artifact.abi, signer)
    const verifiers: DeploySettlementReturnType['verifiers'] = {}
    for (const circuitName of circuits) {
      const v = loadArtifact('generated', verifierContractName(circuitName))
      const vDeployed = await new ContractFactory(v.abi, v.bytecode, signer).deploy()
      const vReceipt = await vDeployed.deploymentTransaction()!.wait()
      const address = await vDeployed.getAddress()
      const circuitId = circuitIdOf(circuitName)
      await (await contract.setVerifier(circuitId, address)).wait()
      verifiers[circuitName] = { address, circuitId, deployGas: vReceipt!.gasUsed }
    }
    if (params.owner && params.owner.toLowerCase() !== self.toLowerCase()) await (await contract.transferOwnership(params.owner)).wait()
    return { settlement, verifiers, deployGas: receipt!.gasUsed }
  } catch (error) {
    throw toChainError(error, 'deploy AttributionSettlement', [{ name: 'AttributionSettlement', iface }])
  }
}
