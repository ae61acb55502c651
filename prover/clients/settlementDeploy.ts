import { Contract, Interface, type InterfaceAbi, type Signer } from 'ethers'
import { toChainError } from '../chain/chainErrors.ts'
import { deployContract, loadArtifact } from '../chain/deploy.ts'
import { generateVerifier, verifierContractName, type GenerateVerifierReturnType } from '../proof/groth16/verifierGen.ts'

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

/** ABI of AttributionSettlement (for its calls, custom errors and events). */
export async function settlementAbi(): Promise<InterfaceAbi> {
  return (await loadArtifact('AttributionSettlement')).abi
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
  const deployed = await deployContract({
    signer,
    name: 'AttributionSettlement',
    args: [token, datanetRegistry, modelRegistry, self, treasury, shares, params.refundTimeoutS ?? DEFAULT_REFUND_TIMEOUT_S],
  })
  const iface = new Interface(await settlementAbi())
  const verifiers: DeploySettlementReturnType['verifiers'] = {}
  for (const circuitName of circuits) verifiers[circuitName] = await deployVerifier({ signer, settlement: deployed.address, circuitName })
  if (params.owner && params.owner.toLowerCase() !== self.toLowerCase()) {
    try {
      await (await deployed.contract.transferOwnership(params.owner)).wait()
    } catch (error) {
      throw toChainError(error, 'transfer settlement ownership', [{ name: 'AttributionSettlement', iface }])
    }
  }
  return { settlement: deployed.address, verifiers, deployGas: deployed.gasUsed }
}

/** The circuit id a deployed IAttributionVerifier reports (over its verification key). */
export async function verifierCircuitId({ verifier, runner }: { verifier: string; runner: Signer | import('ethers').ContractRunner }): Promise<string> {
  try {
    return (await new Contract(verifier, ['function circuitId() view returns (bytes32)'], runner).circuitId()) as string
  } catch (error) {
    throw toChainError(error, `read circuitId() of verifier ${verifier}`, [])
  }
}

/**
 * Deploy a circuit's generated (and compiled) verifier and approve it in the settlement under the
 * circuit id it reports (over its verification key); the signer must own the settlement.
 */
export async function deployVerifier({ signer, settlement, circuitName }: { signer: Signer; settlement: string; circuitName: string }): Promise<{ address: string; circuitId: string; deployGas: bigint }> {
  const verifier = await deployContract({ signer, name: verifierContractName(circuitName) })
  const circuitId = await verifierCircuitId({ verifier: verifier.address, runner: signer })
  const abi = await settlementAbi()
  try {
    await (await new Contract(settlement, abi, signer).setVerifier(circuitId, verifier.address)).wait()
  } catch (error) {
    throw toChainError(error, `approve verifier of ${circuitName}`, [{ name: 'AttributionSettlement', iface: new Interface(abi) }])
  }
  return { address: verifier.address, circuitId, deployGas: verifier.gasUsed }
}
