import { beforeAll, describe, expect, it } from 'vitest'
import { ZeroAddress, parseEther } from 'ethers'
import { ChainRevertError, toChainError } from '../prover/chain/chainErrors.ts'
import { DEFAULT_SHARES } from '../prover/clients/settlementDeploy.ts'
import { recordInference, settleInference } from '../prover/clients/settlementClient.ts'
import { buildGovernanceCall } from '../prover/governance/actions.ts'
import { governanceInterfaces, governorAt, timelockAt } from '../prover/governance/contracts.ts'
import { proposeGovernance } from '../prover/governance/propose.ts'
import { castGovernanceVote } from '../prover/governance/vote.ts'
import { executeProposal, queueProposal } from '../prover/governance/execute.ts'
import { proposalStatus } from '../prover/governance/status.ts'
import { GovernanceBelowThresholdError, GovernanceHandOverError, GovernanceProposalStateError, GovernanceTooEarlyError } from '../prover/governance/errors.ts'
import { deployGovernance } from '../prover/governance/deploy.ts'
import { attributionInput, newInferenceId, proveCase, settlementIdOf } from './settlementFixture.ts'
import { TEST_SETTINGS, WHALE_OPEN, mineBlocks, passTime, proposeAndPass, queueAndExecute, setupGovernedNetwork, type GovernedNetwork } from './governanceFixture.ts'

const SEED = Number(process.env.POA_TEST_SEED ?? 20261127)
const FEE = parseEther('100')
let net: GovernedNetwork

beforeAll(async () => {
  net = await setupGovernedNetwork(SEED)
}, 1_200_000)

/** Record an inference at the shares in force now, and prove its attribution with the dev key. */
async function recordAndProve() {
  const inferenceId = newInferenceId()
  await recordInference({ settlement: net.addresses.settlement!, signer: net.host, modelId: net.modelId, inferenceId, circuitId: net.artifacts.keys.circuitId, queryCommitment: net.query.commitment, feeWei: FEE })
  const pool = BigInt((await net.settlement.inference(inferenceId)).pool)
  const c = attributionInput({ data: net.data, query: net.query, pool, settlementId: settlementIdOf({ chainId: net.chainId, settlement: net.addresses.settlement!, inferenceId, prover: await net.prover.getAddress() }) })
  return { inferenceId, pool, calldata: await proveCase(c, net.artifacts) }
}

/** What a direct (non-governance) call throws, decoded against the governance ABIs. */
async function directCallError(call: () => Promise<unknown>): Promise<ChainRevertError> {
  const error = await call().then(() => undefined, async (e: unknown) => toChainError(e, 'direct call', await governanceInterfaces()))
  if (!(error instanceof ChainRevertError)) throw new Error(`expected a decoded revert, got ${String(error)}`)
  return error
}

describe(`governance over the settlement (seed ${SEED})`, () => {
  it('hands every policy to the timelock and leaves the deployer no role', async () => {
    const { governor, timelock } = net.addresses
    const deployer = await net.deployer.getAddress()
    expect(await net.settlement.owner()).toBe(timelock)
    expect(net.governance.handedOver.map((h) => h.contract)).toEqual(['AttributionSettlement'])
    const tl = await timelockAt(timelock, net.deployer)
    const [admin, proposer, canceller, executor] = await Promise.all([tl.DEFAULT_ADMIN_ROLE(), tl.PROPOSER_ROLE(), tl.CANCELLER_ROLE(), tl.EXECUTOR_ROLE()])
    expect(await tl.hasRole(admin, deployer)).toBe(false)
    expect(await tl.hasRole(admin, timelock)).toBe(true)
    expect(await tl.hasRole(proposer, governor)).toBe(true)
    expect(await tl.hasRole(proposer, deployer)).toBe(false)
    expect(await tl.hasRole(canceller, governor)).toBe(true)
    expect(await tl.hasRole(executor, ZeroAddress)).toBe(true)
    expect(await tl.getMinDelay()).toBe(BigInt(TEST_SETTINGS.timelockMinDelaySeconds))
    const gov = await governorAt(governor, net.deployer)
    expect([await gov.votingDelay(), await gov.votingPeriod(), await gov.proposalThreshold(), await gov.quorumNumerator()]).toEqual([
      BigInt(TEST_SETTINGS.votingDelayBlocks), BigInt(TEST_SETTINGS.votingPeriodBlocks), TEST_SETTINGS.proposalThresholdWei, BigInt(TEST_SETTINGS.quorumPercent),
    ])
    expect(await gov.timelock()).toBe(timelock)
  })

  it('refuses to deploy a second governance over contracts the deployer no longer owns, before deploying anything', async () => {
    const nonce = await net.deployer.getNonce()
    const error = await deployGovernance({ signer: net.deployer, token: net.addresses.token, settlement: net.addresses.settlement, settings: TEST_SETTINGS }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GovernanceHandOverError)
    expect((error as GovernanceHandOverError).meta).toMatchObject({ contract: 'AttributionSettlement', owner: net.addresses.timelock, deployer: await net.deployer.getAddress() })
    expect(await net.deployer.getNonce()).toBe(nonce)
  })

  it('changes the fee shares through delegate, propose, vote, queue and execute, and the next settlement pays by them', async () => {
    const before = await recordAndProve()
    expect(before.pool).toBe((FEE * BigInt(DEFAULT_SHARES.contributorsBps)) / 10_000n)

    const call = await buildGovernanceCall({ action: 'set-fee-shares', args: ['50', '20', '20', '10'], addresses: net.addresses })
    const proposed = await proposeGovernance({ signer: net.whale, governor: net.addresses.governor, calls: [call] })
    expect(proposed.description).toBe('set-fee-shares 50 20 20 10')
    const governor = net.addresses.governor
    expect((await proposalStatus({ governor, runner: net.deployer, proposalId: proposed.proposalId })).state).toBe('Pending')
    await mineBlocks(net.hre, TEST_SETTINGS.votingDelayBlocks + 1)
    const vote = await castGovernanceVote({ signer: net.whale, governor, proposalId: proposed.proposalId, support: 'for', reason: 'cheaper proofs' })
    expect(vote.weightWei).toBe(WHALE_OPEN)
    await castGovernanceVote({ signer: net.minnow, governor, proposalId: proposed.proposalId, support: 'against' })
    const active = await proposalStatus({ governor, runner: net.deployer, proposalId: proposed.proposalId })
    expect(active).toMatchObject({ state: 'Active', forVotesWei: WHALE_OPEN, againstVotesWei: parseEther('10'), abstainVotesWei: 0n, quorumReached: true })
    expect(active.quorumWei).toBe(parseEther('1000000000') * 4n / 100n)
    await mineBlocks(net.hre, TEST_SETTINGS.votingPeriodBlocks)
    const queued = await queueProposal({ signer: net.minnow, governor, proposalId: proposed.proposalId })
    const status = await proposalStatus({ governor, runner: net.deployer, proposalId: proposed.proposalId })
    expect(status.state).toBe('Queued')
    expect(status.etaSeconds).toBe(queued.etaSeconds)
    expect(queued.etaSeconds).toBe(BigInt(status.currentTimestamp + TEST_SETTINGS.timelockMinDelaySeconds))
    await passTime(net.hre, TEST_SETTINGS.timelockMinDelaySeconds)
    await executeProposal({ signer: net.prover, governor, proposalId: proposed.proposalId })
    expect((await proposalStatus({ governor, runner: net.deployer, proposalId: proposed.proposalId })).state).toBe('Executed')
    expect((await net.settlement.shares()).map(Number)).toEqual([5000, 2000, 2000, 1000])

    // The inference recorded before the change keeps the split it was recorded with (its pool is in its proof).
    const old = await settleInference({ settlement: net.addresses.settlement!, signer: net.prover, inferenceId: before.inferenceId, circuitId: net.artifacts.keys.circuitId, calldata: before.calldata })
    expect(old.proverFeeWei).toBe((FEE * BigInt(DEFAULT_SHARES.proverBps)) / 10_000n)
    // The next one is recorded, proven and settled at the new shares.
    const next = await recordAndProve()
    expect(next.pool).toBe(FEE / 2n)
    const settled = await settleInference({ settlement: net.addresses.settlement!, signer: net.prover, inferenceId: next.inferenceId, circuitId: net.artifacts.keys.circuitId, calldata: next.calldata })
    expect(settled.proverFeeWei).toBe(FEE / 5n)
    expect(settled.modelOwnerFeeWei).toBe(FEE / 5n)
    expect(settled.paidToContributorsWei).toBeLessThanOrEqual(FEE / 2n)
    expect(settled.paidToContributorsWei).toBeGreaterThan(FEE / 2n - 10n)
    expect(settled.treasuryFeeWei).toBe(FEE - settled.paidToContributorsWei - 2n * (FEE / 5n))
  })

  it('rejects a direct call to every governed setter from any account but the timelock', async () => {
    const someone = net.whale
    const who = await someone.getAddress()
    const s = net.settlement.connect(someone)
    const gov = await governorAt(net.addresses.governor, someone)
    const tl = await timelockAt(net.addresses.timelock, net.deployer)
    const owned = [
      () => s.setShares({ contributorsBps: 10000, proverBps: 0, modelOwnerBps: 0, treasuryBps: 0 }),
      () => s.setTreasury(who),
      () => s.setRefundTimeout(1n),
      () => s.setVerifier(`0x${'11'.repeat(32)}`, ZeroAddress),
      () => s.transferOwnership(who),
    ]
    for (const call of owned) {
      const error = await directCallError(call)
      expect(error.errorName).toBe('OwnableUnauthorizedAccount')
      expect(error.args.account).toBe(who)
    }
    for (const call of [() => gov.setVotingDelay(0), () => gov.setVotingPeriod(1), () => gov.setProposalThreshold(0), () => gov.updateQuorumNumerator(0), () => gov.updateTimelock(who)]) {
      const error = await directCallError(call)
      expect(error.errorName).toBe('GovernorOnlyExecutor')
      expect(error.args.account).toBe(who)
    }
    expect((await directCallError(() => tl.updateDelay(0))).errorName).toBe('TimelockUnauthorizedCaller')
    // Even the deployer cannot schedule on the timelock: only the governor proposes.
    const scheduled = await directCallError(() => tl.schedule(net.addresses.settlement!, 0, '0x', `0x${'00'.repeat(32)}`, `0x${'00'.repeat(32)}`, TEST_SETTINGS.timelockMinDelaySeconds))
    expect(scheduled.errorName).toBe('AccessControlUnauthorizedAccount')
  })

  it('refuses a proposal from an account whose votes are below the threshold, naming both numbers', async () => {
    const call = await buildGovernanceCall({ action: 'set-refund-timeout', args: ['60'], addresses: net.addresses })
    const error = await proposeGovernance({ signer: net.minnow, governor: net.addresses.governor, calls: [call] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GovernanceBelowThresholdError)
    expect((error as GovernanceBelowThresholdError).meta).toMatchObject({ proposer: await net.minnow.getAddress(), votesWei: parseEther('10'), thresholdWei: TEST_SETTINGS.proposalThresholdWei })
    expect((error as Error).message).toMatch(/has 10000000000000000000 votes .* below the proposal threshold 1000000000000000000000/)
  })

  it('refuses a vote after the voting period with the state it met', async () => {
    const proposalId = await proposeAndPass(net, 'set-refund-timeout', ['120'])
    const error = await castGovernanceVote({ signer: net.minnow, governor: net.addresses.governor, proposalId, support: 'against' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GovernanceProposalStateError)
    expect((error as GovernanceProposalStateError).meta).toMatchObject({ proposalId, expected: ['Active'], got: 'Succeeded' })
    expect((error as Error).message).toContain(`cannot vote against on proposal ${proposalId}: proposal ${proposalId} is Succeeded, expected Active`)
  })

  it('refuses to execute before the ETA, then executes once it has passed', async () => {
    const proposalId = await proposeAndPass(net, 'set-refund-timeout', ['3600'])
    await queueProposal({ signer: net.whale, governor: net.addresses.governor, proposalId })
    const early = await executeProposal({ signer: net.whale, governor: net.addresses.governor, proposalId }).catch((e: unknown) => e)
    expect(early).toBeInstanceOf(GovernanceTooEarlyError)
    const meta = (early as GovernanceTooEarlyError).meta as { etaSeconds: bigint; nowSeconds: bigint }
    expect(meta.etaSeconds - meta.nowSeconds).toBeGreaterThan(TEST_SETTINGS.timelockMinDelaySeconds - 10)
    // The raw contract refuses too: the error class is not a client-side guess.
    const p = await proposalStatus({ governor: net.addresses.governor, runner: net.whale, proposalId })
    const gov = await governorAt(net.addresses.governor, net.whale)
    expect((await directCallError(() => gov.execute(p.targets, p.valuesWei, p.calldatas, p.descriptionHash))).errorName).toBe('TimelockUnexpectedOperationState')
    expect(await net.settlement.refundTimeout()).not.toBe(3600n)
    await passTime(net.hre, TEST_SETTINGS.timelockMinDelaySeconds)
    await executeProposal({ signer: net.whale, governor: net.addresses.governor, proposalId })
    expect(await net.settlement.refundTimeout()).toBe(3600n)
  })

  it('refuses to queue a proposal that lost its vote', async () => {
    const call = await buildGovernanceCall({ action: 'set-refund-timeout', args: ['86400'], addresses: net.addresses })
    const { proposalId } = await proposeGovernance({ signer: net.whale, governor: net.addresses.governor, calls: [call], description: 'refund timeout 1 day, voted down' })
    await mineBlocks(net.hre, TEST_SETTINGS.votingDelayBlocks + 1)
    await castGovernanceVote({ signer: net.whale, governor: net.addresses.governor, proposalId, support: 'against' })
    await mineBlocks(net.hre, TEST_SETTINGS.votingPeriodBlocks)
    const error = await queueProposal({ signer: net.whale, governor: net.addresses.governor, proposalId }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GovernanceProposalStateError)
    expect((error as GovernanceProposalStateError).meta).toMatchObject({ got: 'Defeated', expected: ['Succeeded'] })
  })

  it('runs governed setters of the governor and the timelock, and reports a target\'s revert by name', async () => {
    for (const [action, args] of [['set-quorum', ['5']], ['set-timelock-delay', ['7200']]] as const) {
      await queueAndExecute(net, await proposeAndPass(net, action, [...args]))
    }
    expect(await (await governorAt(net.addresses.governor, net.deployer)).quorumNumerator()).toBe(5n)
    expect(await (await timelockAt(net.addresses.timelock, net.deployer)).getMinDelay()).toBe(7200n)
    // The timelock delay is now 7200 s: queueAndExecute's 3600 s are not enough, so wait the rest.
    const zeroTreasury = await proposeAndPass(net, 'set-treasury', [ZeroAddress])
    await queueProposal({ signer: net.whale, governor: net.addresses.governor, proposalId: zeroTreasury })
    await passTime(net.hre, 7200)
    const error = await executeProposal({ signer: net.whale, governor: net.addresses.governor, proposalId: zeroTreasury }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainRevertError)
    expect((error as ChainRevertError).meta).toMatchObject({ contract: 'AttributionSettlement', error: 'SettlementTreasuryZero' })
  })
})

