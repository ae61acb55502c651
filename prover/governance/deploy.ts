import { Contract, ZeroAddress, type Signer } from 'ethers'
import { deployContract } from '../chain/deploy.ts'
import { GOVERNOR_CONTRACT, TIMELOCK_CONTRACT, governanceAbi, sendGovernanceTx } from './contracts.ts'
import { GovernanceHandOverError, GovernanceSettingError } from './errors.ts'

/**
 * Governance parameters. OpenToken's votes clock is the block number, so the voting delay and
 * period are in blocks; the timelock delay is in seconds (TimelockController uses timestamps).
 */
export type GovernanceSettings = {
  /** Blocks between proposing and the vote's snapshot/start. */
  votingDelayBlocks: number
  /** Blocks the vote stays open (>= 1). */
  votingPeriodBlocks: number
  /** Votes (OPEN wei) a proposer needs at the block before proposing. */
  proposalThresholdWei: bigint
  /** Percent (0..100) of the supply at the snapshot that must vote for or abstain. */
  quorumPercent: number
  /** Seconds between queueing a passed proposal and the earliest execution. */
  timelockMinDelaySeconds: number
}

/**
 * Production defaults, for ~12 s blocks: a day to react before a vote opens, a week of voting,
 * 1,000,000 OPEN (0.1% of the fixed supply) to propose, a 4% quorum, and two days in the timelock
 * so that anyone who disagrees with a passed change can leave (withdraw, stop proving) before it runs.
 */
export const DEFAULT_GOVERNANCE_SETTINGS: Readonly<GovernanceSettings> = Object.freeze({
  votingDelayBlocks: 7_200,
  votingPeriodBlocks: 50_400,
  proposalThresholdWei: 1_000_000n * 10n ** 18n,
  quorumPercent: 4,
  timelockMinDelaySeconds: 172_800,
})

/** A contract whose policy the deployment handed to the timelock. */
export type HandedOver = { contract: string; address: string; previousOwner: string }

export type DeployGovernanceParameters = {
  /** Deploys, and must own the governed contracts it hands over. */
  signer: Signer
  /** OpenToken (ERC20Votes): the voting weight. */
  token: string
  /** AttributionSettlement to hand to the timelock (fee shares, treasury, refund timeout, verifiers). */
  settlement?: string
  /** Overrides of DEFAULT_GOVERNANCE_SETTINGS. */
  settings?: Partial<GovernanceSettings>
  onProgress?: (progress: { done: number; total: number; unit: string }) => void
}

export type DeployGovernanceReturnType = {
  governor: string
  timelock: string
  settings: GovernanceSettings
  handedOver: HandedOver[]
  deployedAtBlock: number
  gasUsed: bigint
}

/**
 * Deploy TimelockController + PoaGovernor and put every policy under them:
 * 1. the timelock, with the deployer as its temporary admin and executor role open to anyone
 *    (address(0)): a passed, delayed proposal cannot be stalled by whoever would hold the role;
 * 2. the governor over the token's votes and that timelock;
 * 3. the governor gets the timelock's proposer and canceller roles (the only proposer);
 * 4. the deployer renounces the timelock admin role, so the timelock administers only itself;
 * 5. ownership of the settlement moves to the timelock.
 * The DatanetRegistry, ModelRegistry and OpenToken have no global owner (per-datanet owners;
 * permissionless, append-only models; a fixed supply), so nothing of theirs is governed.
 */
export async function deployGovernance(params: DeployGovernanceParameters): Promise<DeployGovernanceReturnType> {
  const settings = validateSettings({ ...DEFAULT_GOVERNANCE_SETTINGS, ...params.settings })
  const { signer, onProgress } = params
  const deployer = await signer.getAddress()
  const governed = [
    ...(params.settlement ? [{ contract: 'AttributionSettlement', address: params.settlement }] : []),
  ]
  // Check ownership before deploying anything, so a refused hand-over leaves no half-governed chain.
  const owned: (typeof governed[number] & { handle: Contract })[] = []
  for (const g of governed) {
    const handle = new Contract(g.address, await governanceAbi(g.contract), signer)
    const owner: string = await handle.owner()
    if (owner.toLowerCase() !== deployer.toLowerCase()) throw new GovernanceHandOverError({ ...g, owner, deployer })
    owned.push({ ...g, handle })
  }
  const total = 5 + owned.length
  let done = 0
  const step = () => onProgress?.({ done: ++done, total, unit: 'deployment steps' })

  const timelock = await deployContract({
    signer,
    name: TIMELOCK_CONTRACT,
    args: [settings.timelockMinDelaySeconds, [], [ZeroAddress], deployer],
  })
  step()
  const governor = await deployContract({
    signer,
    name: GOVERNOR_CONTRACT,
    args: [params.token, timelock.address, settings.votingDelayBlocks, settings.votingPeriodBlocks, settings.proposalThresholdWei, settings.quorumPercent],
  })
  step()
  let gasUsed = timelock.gasUsed + governor.gasUsed
  const tl = timelock.contract
  const roles = { proposer: await tl.PROPOSER_ROLE(), canceller: await tl.CANCELLER_ROLE(), admin: await tl.DEFAULT_ADMIN_ROLE() }
  for (const [what, tx] of [
    ['grant the governor the proposer role', () => tl.grantRole(roles.proposer, governor.address)],
    ['grant the governor the canceller role', () => tl.grantRole(roles.canceller, governor.address)],
    ['renounce the deployer\'s timelock admin role', () => tl.renounceRole(roles.admin, deployer)],
  ] as const) {
    gasUsed += (await sendGovernanceTx(what, tx)).gasUsed
    step()
  }
  const handedOver: HandedOver[] = []
  for (const g of owned) {
    gasUsed += (await sendGovernanceTx(`transfer ${g.contract} ownership to the timelock`, () => g.handle.transferOwnership(timelock.address))).gasUsed
    handedOver.push({ contract: g.contract, address: g.address, previousOwner: deployer })
    step()
  }
  return { governor: governor.address, timelock: timelock.address, settings, handedOver, deployedAtBlock: timelock.blockNumber, gasUsed }
}

/** Check each setting against the contracts' types and rules (uint48 delay, 1..uint32 period, quorum <= 100). */
export function validateSettings(s: GovernanceSettings): GovernanceSettings {
  const integer = (setting: keyof GovernanceSettings, value: unknown, min: number, max: number) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new GovernanceSettingError({ setting, expected: `an integer in [${min}, ${max}]`, got: value })
    }
  }
  integer('votingDelayBlocks', s.votingDelayBlocks, 0, 2 ** 48 - 1)
  integer('votingPeriodBlocks', s.votingPeriodBlocks, 1, 2 ** 32 - 1)
  integer('quorumPercent', s.quorumPercent, 0, 100)
  // TimelockController stores timestamps as uint256; a delay past 2^53 s is not a delay anyone means.
  integer('timelockMinDelaySeconds', s.timelockMinDelaySeconds, 0, Number.MAX_SAFE_INTEGER)
  if (typeof s.proposalThresholdWei !== 'bigint' || s.proposalThresholdWei < 0n || s.proposalThresholdWei >= 1n << 208n) {
    // ERC20Votes checkpoints hold uint208: a threshold above that could never be met.
    throw new GovernanceSettingError({ setting: 'proposalThresholdWei', expected: 'a bigint in [0, 2^208)', got: s.proposalThresholdWei })
  }
  return { ...s }
}
