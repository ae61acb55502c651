// Shared setup of the governance tests: the settlement tests' real stack (tiny circuit, dev keys,
// generated verifier, registries, settlement on Hardhat's in-process chain) put under PoaGovernor +
// TimelockController by deployGovernance, with short test settings, token holders who vote, and
// helpers that move the chain's blocks and time.
import type { Signer } from 'ethers'
import { parseEther } from 'ethers'
import { deploySettlement, NO_CHALLENGE_GAME } from '../prover/clients/settlementDeploy.ts'
import { deployGovernance, type DeployGovernanceReturnType, type GovernanceSettings } from '../prover/governance/deploy.ts'
import { buildGovernanceCall } from '../prover/governance/actions.ts'
import type { GovernanceAddresses } from '../prover/governance/contracts.ts'
import { proposeGovernance } from '../prover/governance/propose.ts'
import { castGovernanceVote } from '../prover/governance/vote.ts'
import { delegateVotes } from '../prover/governance/delegate.ts'
import { executeProposal, queueProposal } from '../prover/governance/execute.ts'
import {
  CIRCUIT_NAME, buildDatanet, buildQuery, deployRegistries, prepareTinyCircuit, registerDatanetAndModel, rng,
  type CircuitArtifacts, type DatanetFixture, type Query, type Stack,
} from './settlementFixture.ts'

/** Small enough to walk through in a test, large enough that each phase is distinct. */
export const TEST_SETTINGS: GovernanceSettings = Object.freeze({
  votingDelayBlocks: 2,
  votingPeriodBlocks: 10,
  proposalThresholdWei: parseEther('1000'),
  quorumPercent: 4,
  timelockMinDelaySeconds: 3_600,
})
/** 10% of the supply: above the 4% quorum on its own. */
export const WHALE_OPEN = parseEther('100000000')
/** Below the 1,000 OPEN threshold. */
export const MINNOW_OPEN = parseEther('10')

export type GovernedNetwork = {
  hre: any
  artifacts: CircuitArtifacts
  stack: Stack
  settlement: any
  governance: DeployGovernanceReturnType
  addresses: GovernanceAddresses
  deployer: Signer
  host: Signer
  modelOwner: Signer
  prover: Signer
  treasury: Signer
  whale: Signer
  minnow: Signer
  data: DatanetFixture
  query: Query
  modelId: bigint
  chainId: bigint
}

/** Deploy the settlement stack, hand it to governance, fund and delegate the voters. */
export async function setupGovernedNetwork(seed: number): Promise<GovernedNetwork> {
  const artifacts = await prepareTinyCircuit((line) => process.stderr.write(`${line}\n`))
  const hre = artifacts.hre
  const stack = await deployRegistries(hre)
  const [deployer, host, modelOwner, prover, treasury] = stack.signers
  const [whale, minnow] = stack.signers.slice(9, 11)
  const token = await stack.token.getAddress()
  const deployed = await deploySettlement({
    signer: deployer, token, datanetRegistry: await stack.datanets.getAddress(), modelRegistry: await stack.models.getAddress(),
    treasury: await treasury.getAddress(), circuits: [CIRCUIT_NAME], game: NO_CHALLENGE_GAME,
  })
  const governance = await deployGovernance({
    signer: deployer, token, settlement: deployed.settlement, settings: TEST_SETTINGS,
  })
  for (const [to, amount] of [[whale, WHALE_OPEN], [minnow, MINNOW_OPEN], [host, parseEther('10000')]] as const) {
    await (await stack.token.transfer(await to.getAddress(), amount)).wait()
  }
  await delegateVotes({ signer: whale, token })
  await delegateVotes({ signer: minnow, token })
  const random = rng(seed)
  const contributors = await Promise.all(stack.signers.slice(5, 9).map((s) => s.getAddress()))
  const data = await buildDatanet({ contributors, n: 12, random })
  const query = await buildQuery(random)
  const modelId = await registerDatanetAndModel(stack, data, modelOwner)
  const settlement = await hre.ethers.getContractAt('AttributionSettlement', deployed.settlement)
  return {
    hre, artifacts, stack, settlement, governance, deployer, host, modelOwner, prover, treasury, whale, minnow, data, query, modelId,
    chainId: (await hre.ethers.provider.getNetwork()).chainId,
    addresses: { governor: governance.governor, timelock: governance.timelock, token, settlement: deployed.settlement },
  }
}

/** Mine `blocks` empty blocks. */
export async function mineBlocks(hre: any, blocks: number): Promise<void> {
  await hre.network.provider.request({ method: 'hardhat_mine', params: [`0x${blocks.toString(16)}`] })
}

/** Move the next block's time `seconds` ahead and mine it. */
export async function passTime(hre: any, seconds: number): Promise<void> {
  await hre.network.provider.request({ method: 'evm_increaseTime', params: [seconds] })
  await mineBlocks(hre, 1)
}

/** Propose one named action as the whale and take it through the vote: returns the Succeeded proposal's id. */
export async function proposeAndPass(net: GovernedNetwork, action: string, args: string[], description?: string): Promise<bigint> {
  const call = await buildGovernanceCall({ action, args, addresses: net.addresses })
  const { proposalId } = await proposeGovernance({ signer: net.whale, governor: net.addresses.governor, calls: [call], description })
  await mineBlocks(net.hre, TEST_SETTINGS.votingDelayBlocks + 1)
  await castGovernanceVote({ signer: net.whale, governor: net.addresses.governor, proposalId, support: 'for' })
  await mineBlocks(net.hre, TEST_SETTINGS.votingPeriodBlocks)
  return proposalId
}

/** Queue a passed proposal, wait out the timelock and execute it. */
export async function queueAndExecute(net: GovernedNetwork, proposalId: bigint): Promise<void> {
  await queueProposal({ signer: net.whale, governor: net.addresses.governor, proposalId })
  await passTime(net.hre, TEST_SETTINGS.timelockMinDelaySeconds)
  await executeProposal({ signer: net.prover, governor: net.addresses.governor, proposalId })
}
