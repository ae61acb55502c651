import { Contract, Interface, type InterfaceAbi, type Signer } from 'ethers'
import { toChainError } from '../chain/chainErrors.ts'
import { deployContract, loadArtifact } from '../chain/deploy.ts'
import { verifierContractName, type GenerateVerifierReturnType } from '../proof/groth16/verifierGen.ts'
import type { ProofSystemName } from '../proof/proofSystem.ts'
import { DEFAULT_PROOF_SYSTEM, getProofSystem } from '../proof/proofSystems.ts'

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

/** The challenge game: how long a settlement can be challenged, the bond it locks, the challenger's share of a slashed bond. */
export type ChallengeGameParameters = { windowSeconds: number; bondWei: bigint; challengerBps: number }

/**
 * One hour, 10 OPEN, half to the challenger: an hour is long enough for a validator node to audit
 * and prove a fault (minutes on 2 cores), short enough that contributors are paid the same day.
 */
export const DEFAULT_CHALLENGE_GAME: ChallengeGameParameters = Object.freeze({ windowSeconds: 3600, bondWei: 10n * 10n ** 18n, challengerBps: 5000 })

/** No window and no bond: claims open at settlement (tests of other behaviour, never a default). */
export const NO_CHALLENGE_GAME: ChallengeGameParameters = Object.freeze({ windowSeconds: 0, bondWei: 0n, challengerBps: 5000 })

/** ABI of AttributionSettlement (for its calls, custom errors and events). */
export async function settlementAbi(): Promise<InterfaceAbi> {
  return (await loadArtifact('AttributionSettlement')).abi
}

export type PrepareVerifiersParameters = {
  /** `system` is the proof system of the circuit's keys (default groth16). */
  circuits: readonly { circuitName: string; zkeyPath: string; system?: ProofSystemName }[]
}

/**
 * Write the generated verifier sources for `circuits` with each one's proof system (skipped per
 * circuit when its proving key is unchanged); each is an IAttributionVerifier named
 * `AttributionVerifier_<circuitName>`, which `deployVerifier` deploys. Call before compiling the
 * contracts (`getHardhatRuntime()` / `hre.run('compile')`).
 */
export async function prepareVerifiers({ circuits }: PrepareVerifiersParameters): Promise<GenerateVerifierReturnType[]> {
  const out: GenerateVerifierReturnType[] = []
  for (const { circuitName, zkeyPath, system } of circuits) {
    out.push(await getProofSystem(system ?? DEFAULT_PROOF_SYSTEM).verifierSource({ circuitName, keys: { zkeyPath } }))
  }
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
  /** The challenge game (default DEFAULT_CHALLENGE_GAME). */
  game?: ChallengeGameParameters
  /** Circuits whose (already generated and compiled) verifiers are deployed and approved. */
  circuits?: readonly string[]
  /** Attribution circuit name -> the challenge circuit whose (generated, compiled) verifier challenges its settlements. */
  challengeCircuits?: Readonly<Record<string, string>>
}

export type DeploySettlementReturnType = {
  settlement: string
  verifiers: Record<string, { address: string; circuitId: string; deployGas: bigint }>
  /** Challenge circuit name -> its verifier, approved for its attribution circuit. */
  challengeVerifiers: Record<string, { address: string; circuitId: string; deployGas: bigint }>
  deployGas: bigint
}

/**
 * Deploy AttributionSettlement next to the registries and token, then deploy and approve one
 * generated verifier per circuit. The signer must be the owner for the approvals, so approvals
 * happen before `owner` (if different) takes over.
 */
export async function deploySettlement(params: DeploySettlementParameters): Promise<DeploySettlementReturnType> {
  const { signer, token, datanetRegistry, modelRegistry, treasury, circuits = [], challengeCircuits = {} } = params
  const shares = params.shares ?? DEFAULT_SHARES
  const game = params.game ?? DEFAULT_CHALLENGE_GAME
  const self = await signer.getAddress()
  const deployed = await deployContract({
    signer,
    name: 'AttributionSettlement',
    args: [token, datanetRegistry, modelRegistry, self, treasury, shares, params.refundTimeoutS ?? DEFAULT_REFUND_TIMEOUT_S, [game.windowSeconds, game.bondWei, game.challengerBps]],
  })
  const iface = new Interface(await settlementAbi())
  const verifiers: DeploySettlementReturnType['verifiers'] = {}
  const challengeVerifiers: DeploySettlementReturnType['challengeVerifiers'] = {}
  for (const circuitName of circuits) {
    verifiers[circuitName] = await deployVerifier({ signer, settlement: deployed.address, circuitName })
    const challengeName = challengeCircuits[circuitName]
    if (challengeName !== undefined) {
      challengeVerifiers[challengeName] = await deployChallengeVerifier({ signer, settlement: deployed.address, circuitName: challengeName, attributionCircuitId: verifiers[circuitName].circuitId })
    }
  }
  if (params.owner && params.owner.toLowerCase() !== self.toLowerCase()) {
    try {
      await (await deployed.contract.transferOwnership(params.owner)).wait()
    } catch (error) {
      throw toChainError(error, 'transfer settlement ownership', [{ name: 'AttributionSettlement', iface }])
    }
  }
  return { settlement: deployed.address, verifiers, challengeVerifiers, deployGas: deployed.gasUsed }
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
  return deployAndApprove({ signer, settlement, circuitName, action: `approve verifier of ${circuitName}`, approve: (contract, circuitId, address) => contract.setVerifier(circuitId, address) })
}

/**
 * Deploy a challenge circuit's generated (and compiled) verifier and approve it for the attribution
 * circuit whose settlements it challenges; the signer must own the settlement.
 */
export async function deployChallengeVerifier({ signer, settlement, circuitName, attributionCircuitId }: { signer: Signer; settlement: string; circuitName: string; attributionCircuitId: string }): Promise<{ address: string; circuitId: string; deployGas: bigint }> {
  return deployAndApprove({
    signer, settlement, circuitName, action: `approve challenge verifier ${circuitName}`,
    approve: (contract, _circuitId, address) => contract.setChallengeVerifier(attributionCircuitId, address),
  })
}

/** Deploy a circuit's generated verifier, read the circuit id it reports, and approve it with `approve` (owner only). */
async function deployAndApprove(p: {
  signer: Signer; settlement: string; circuitName: string; action: string
  approve: (contract: Contract, circuitId: string, address: string) => Promise<{ wait(): Promise<unknown> }>
}): Promise<{ address: string; circuitId: string; deployGas: bigint }> {
  const verifier = await deployContract({ signer: p.signer, name: verifierContractName(p.circuitName) })
  const circuitId = await verifierCircuitId({ verifier: verifier.address, runner: p.signer })
  const abi = await settlementAbi()
  try {
    await (await p.approve(new Contract(p.settlement, abi, p.signer), circuitId, verifier.address)).wait()
  } catch (error) {
    throw toChainError(error, p.action, [{ name: 'AttributionSettlement', iface: new Interface(abi) }])
  }
  return { address: verifier.address, circuitId, deployGas: verifier.gasUsed }
}
