import { Option, type Command } from 'commander'
import type { Signer } from 'ethers'
import type { PoaChain } from '../../prover/chain/index.ts'
import type { GovernanceAddresses } from '../../prover/governance/contracts.ts'
import type { GovernanceSettings } from '../../prover/governance/deploy.ts'
import type { ProposalStatus } from '../../prover/governance/status.ts'
import type { VoteSupport } from '../../prover/governance/vote.ts'
import { ChainConfigError } from '../../prover/chain/chainErrors.ts'
import { addChainOptions, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { CliUsageError, bigintOption, integerOption, openAmountOption, type GlobalOptions } from '../options.ts'
import { note, printResult } from '../output.ts'

type GovOptions = ChainCliOptions & { account?: number }
type SettingOptions = { votingDelay?: number; votingPeriod?: number; threshold?: bigint; quorum?: number; timelockDelay?: number }

// Governance modules load ethers and the contract artifacts: only the actions that use them import them.
const governance = async () => {
  const [contracts, deploy, actions, propose, vote, execute, status, delegate, { formatEther }] = await Promise.all([
    import('../../prover/governance/contracts.ts'), import('../../prover/governance/deploy.ts'), import('../../prover/governance/actions.ts'),
    import('../../prover/governance/propose.ts'), import('../../prover/governance/vote.ts'), import('../../prover/governance/execute.ts'),
    import('../../prover/governance/status.ts'), import('../../prover/governance/delegate.ts'), import('ethers'),
  ])
  return { ...contracts, ...deploy, ...actions, ...propose, ...vote, ...execute, ...status, ...delegate, formatEther }
}

const SUPPORT = ['for', 'against', 'abstain'] as const

/** A proposal id as the Governor prints it: decimal, or 0x hex. */
const parseProposalId = bigintOption('<proposalId>')

/** Chain options plus --account (which embedded-chain account signs). */
function govCommand(parent: Command, spec: string, description: string): Command {
  return addChainOptions(parent.command(spec).description(description)).addOption(
    new Option('--account <index>', 'embedded chain: Hardhat account index that signs (default 0, the deployer)').argParser(integerOption('--account', 0, 19)),
  )
}

function signerOf(chain: PoaChain, options: GovOptions): Signer {
  if (options.account === undefined) return chain.signer
  if (!chain.embedded) throw new ChainConfigError({ option: '--account', reason: 'only on the embedded chain; on --rpc sign with --private-key or --keystore' })
  return chain.getSigner(options.account)
}

/** The governance contracts of this chain's deployment (PoaGovernor and TimelockController must be there). */
async function addressesOf(chain: PoaChain): Promise<GovernanceAddresses> {
  const { GOVERNOR_CONTRACT, TIMELOCK_CONTRACT } = await governance()
  const c = chain.deployment.contracts
  // chain.contract() throws ContractNotDeployedError naming the file when governance was never deployed.
  const [governor, timelock] = await Promise.all([chain.contract(GOVERNOR_CONTRACT), chain.contract(TIMELOCK_CONTRACT)])
  return { governor: await governor.getAddress(), timelock: await timelock.getAddress(), token: c.OpenToken, settlement: c.AttributionSettlement }
}

function renderStatus(s: ProposalStatus, formatEther: (wei: bigint) => string): string {
  const eta = s.etaSeconds === 0n ? 'not queued' : `${s.etaSeconds} (${new Date(Number(s.etaSeconds) * 1000).toISOString()})${s.etaSeconds > BigInt(s.currentTimestamp) ? `, ${s.etaSeconds - BigInt(s.currentTimestamp)} s to go` : ', reached'}`
  return [
    `proposal ${s.proposalId}: ${s.state}`,
    `  "${s.description}" by ${s.proposer}`,
    `  votes: for ${formatEther(s.forVotesWei)}, against ${formatEther(s.againstVotesWei)}, abstain ${formatEther(s.abstainVotesWei)} OPEN`,
    `  quorum: ${formatEther(s.quorumWei)} OPEN (for + abstain) ${s.quorumReached ? 'reached' : 'not reached'}`,
    `  vote: blocks ${s.voteStartBlock + 1n}..${s.voteEndBlock} (now at block ${s.currentBlock})`,
    `  ETA: ${eta}`,
    ...s.targets.map((t, i) => `  call ${i + 1}: ${t} ${s.calldatas[i].slice(0, 10)}... value ${s.valuesWei[i]}`),
  ].join('\n')
}

/** Registers: gov deploy|actions|propose|vote|queue|execute|status|delegate|advance. */
export function registerGovCommands(program: Command): void {
  const gov = program.command('gov').description('$OPEN governance: Governor + Timelock over the settlement policy and their own settings')

  govCommand(gov, 'deploy', 'deploy PoaGovernor + TimelockController and hand the settlement to the timelock')
    .option('--voting-delay <blocks>', 'blocks before a vote opens (default 7200)', integerOption('--voting-delay', 0, 2 ** 48 - 1))
    .option('--voting-period <blocks>', 'blocks a vote stays open (default 50400)', integerOption('--voting-period', 1, 2 ** 32 - 1))
    .option('--threshold <OPEN>', 'votes needed to propose (default 1000000)', openAmountOption('--threshold', { allowZero: true }))
    .option('--quorum <percent>', 'percent of the supply voting for or abstaining (default 4)', integerOption('--quorum', 0, 100))
    .option('--timelock-delay <seconds>', 'seconds between queue and execute (default 172800)', integerOption('--timelock-delay', 0, 2 ** 48 - 1))
    .action(async (options: GovOptions & SettingOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { DEFAULT_GOVERNANCE_SETTINGS, GOVERNOR_CONTRACT, TIMELOCK_CONTRACT, GovernanceSettingError, deployGovernance, formatEther } = { ...(await governance()), ...(await import('../../prover/governance/errors.ts')) }
      const settings = settingsOf(options, DEFAULT_GOVERNANCE_SETTINGS)
      await withChain(opts, options, async (chain) => {
        const c = chain.deployment.contracts
        if (c[GOVERNOR_CONTRACT]) throw new GovernanceSettingError({ setting: 'deployment', expected: `no ${GOVERNOR_CONTRACT} yet in ${chain.deploymentFile}`, got: c[GOVERNOR_CONTRACT] })
        if (!c.AttributionSettlement) note('no AttributionSettlement in the deployment: deploy it later with owner = the timelock')
        const result = await deployGovernance({ signer: signerOf(chain, options), token: c.OpenToken, settlement: c.AttributionSettlement, settings })
        await chain.recordDeployment({ [GOVERNOR_CONTRACT]: result.governor, [TIMELOCK_CONTRACT]: result.timelock })
        printResult(opts, result, () => [
          `governor ${result.governor}, timelock ${result.timelock}`,
          `voting delay ${settings.votingDelayBlocks} blocks, period ${settings.votingPeriodBlocks} blocks, threshold ${formatEther(settings.proposalThresholdWei)} OPEN, quorum ${settings.quorumPercent}%, timelock ${settings.timelockMinDelaySeconds} s`,
          ...result.handedOver.map((h) => `${h.contract} ${h.address} now owned by the timelock`),
        ].join('\n'))
      })
    })

  gov.command('actions').description('list the named actions `gov propose` understands').action(async (_o: unknown, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { GOVERNANCE_ACTIONS } = await governance()
    printResult(opts, GOVERNANCE_ACTIONS, () => GOVERNANCE_ACTIONS.map((a) => `${`${a.name} ${a.usage}`.padEnd(58)} ${a.help}`).join('\n'))
  })

  govCommand(gov, 'propose <action> [args...]', 'propose a named action, for example `set-fee-shares 50 20 20 10` (see `gov actions`)')
    .option('--description <text>', 'proposal text (default: the action as typed; must differ between identical proposals)')
    .action(async (action: string, args: string[], options: GovOptions & { description?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { buildGovernanceCall, proposeGovernance } = await governance()
      await withChain(opts, options, async (chain) => {
        const addresses = await addressesOf(chain)
        const call = await buildGovernanceCall({ action, args, addresses })
        const result = await proposeGovernance({ signer: signerOf(chain, options), governor: addresses.governor, calls: [call], description: options.description })
        printResult(opts, result, () => `proposal ${result.proposalId}\n  "${result.description}": vote opens after block ${result.voteStartBlock}, closes at block ${result.voteEndBlock}`, () => String(result.proposalId))
      })
    })

  govCommand(gov, 'vote', 'vote for, against or abstain with your delegated votes')
    .argument('<proposalId>', 'the proposal', parseProposalId)
    .argument('<support>', 'for, against or abstain', (text: string) => {
      if (!(SUPPORT as readonly string[]).includes(text)) throw new CliUsageError({ option: '<support>', value: text, expected: SUPPORT.join(', ') })
      return text as VoteSupport
    })
    .option('--reason <text>', 'reason recorded with the vote')
    .action(async (proposalId: bigint, support: VoteSupport, options: GovOptions & { reason?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { castGovernanceVote, formatEther } = await governance()
      await withChain(opts, options, async (chain) => {
        const { governor } = await addressesOf(chain)
        const result = await castGovernanceVote({ signer: signerOf(chain, options), governor, proposalId, support, reason: options.reason })
        if (result.weightWei === 0n) note(`${result.voter} had no votes at the snapshot: delegate before a proposal to count (poa gov delegate)`)
        printResult(opts, result, () => `${result.voter} voted ${support} with ${formatEther(result.weightWei)} OPEN`)
      })
    })

  for (const [verb, describe] of [
    ['queue', 'queue a succeeded proposal in the timelock'],
    ['execute', 'execute a queued proposal once its ETA has passed'],
  ] as const) {
    govCommand(gov, verb, describe).argument('<proposalId>', 'the proposal', parseProposalId).action(async (proposalId: bigint, options: GovOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const g = await governance()
      const run = verb === 'queue' ? g.queueProposal : g.executeProposal
      await withChain(opts, options, async (chain) => {
        const { governor } = await addressesOf(chain)
        const result = await run({ signer: signerOf(chain, options), governor, proposalId, fromBlock: chain.deployment.deployedAtBlock })
        printResult(opts, result, () => ('etaSeconds' in result ? `queued; executable from ${new Date(Number(result.etaSeconds) * 1000).toISOString()} (ETA ${result.etaSeconds})` : `executed ${result.calls} call(s) in ${result.txHash}`))
      })
    })
  }

  govCommand(gov, 'status', 'state, votes, quorum, vote window and ETA of a proposal').argument('<proposalId>', 'the proposal', parseProposalId).action(async (proposalId: bigint, options: GovOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { proposalStatus, formatEther } = await governance()
    await withChain(opts, options, async (chain) => {
      const { governor } = await addressesOf(chain)
      const status = await proposalStatus({ governor, runner: chain.provider, proposalId, fromBlock: chain.deployment.deployedAtBlock })
      printResult(opts, status, () => renderStatus(status, formatEther))
    }, { readOnly: true })
  })

  govCommand(gov, 'delegate [address]', 'delegate your OPEN votes (default: to yourself; needed once before voting)').action(async (to: string | undefined, options: GovOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { delegateVotes, formatEther } = await governance()
    await withChain(opts, options, async (chain) => {
      const result = await delegateVotes({ signer: signerOf(chain, options), token: chain.deployment.contracts.OpenToken, delegatee: to })
      printResult(opts, result, () => `${result.delegator} delegated to ${result.delegatee}, who now has ${formatEther(result.votesWei)} votes`)
    })
  })

  govCommand(gov, 'advance', 'the embedded chain or a poa chain node only: mine blocks (and move time) to the proposal\'s next phase').argument('<proposalId>', 'the proposal', parseProposalId).action(async (proposalId: bigint, options: GovOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { proposalStatus } = await governance()
    await withChain(opts, options, async (chain) => {
      const { governor } = await addressesOf(chain)
      const before = await proposalStatus({ governor, runner: chain.provider, proposalId, fromBlock: chain.deployment.deployedAtBlock })
      const now = BigInt(before.currentBlock)
      // Pending opens after the snapshot block; Active closes after the deadline; Queued waits for the ETA.
      if (before.state === 'Pending') await chain.mine({ blocks: Number(before.voteStartBlock - now + 1n) })
      else if (before.state === 'Active') await chain.mine({ blocks: Number(before.voteEndBlock - now + 1n) })
      else if (before.state === 'Queued' && before.etaSeconds > BigInt(before.currentTimestamp)) {
        await chain.mine({ blocks: 2, intervalSeconds: Number(before.etaSeconds - BigInt(before.currentTimestamp)) })
      } else note(`proposal is ${before.state}: nothing to wait for`)
      const after = await proposalStatus({ governor, runner: chain.provider, proposalId, fromBlock: chain.deployment.deployedAtBlock })
      printResult(opts, { from: before.state, to: after.state, block: after.currentBlock, timestamp: after.currentTimestamp }, () => `proposal ${proposalId}: ${before.state} -> ${after.state} (block ${after.currentBlock}${after.state === 'Queued' && after.etaSeconds <= BigInt(after.currentTimestamp) ? ', ETA reached: execute it' : ''})`)
    })
  })
}

function settingsOf(o: SettingOptions, defaults: Readonly<GovernanceSettings>): GovernanceSettings {
  return {
    votingDelayBlocks: o.votingDelay ?? defaults.votingDelayBlocks,
    votingPeriodBlocks: o.votingPeriod ?? defaults.votingPeriodBlocks,
    proposalThresholdWei: o.threshold ?? defaults.proposalThresholdWei,
    quorumPercent: o.quorum ?? defaults.quorumPercent,
    timelockMinDelaySeconds: o.timelockDelay ?? defaults.timelockMinDelaySeconds,
  }
}
