import { formatUnits } from 'ethers'
import { deployDevSettlement } from '../app/deployDevSettlement.ts'
import { proveInference } from '../app/proveInference.ts'
import { recordQueryInference } from '../app/recordQueryInference.ts'
import { settleProofFile } from '../app/settleProofFile.ts'
import { settlementAddress } from '../app/settlementAddress.ts'
import { withChainSession } from '../app/withChainSession.ts'
import { claimRewards, rewardBalance } from '../clients/settlementClient.ts'
import type { DashboardContext } from './dashboardContext.ts'
import type { JobContext } from './jobRegistry.ts'

const open = (wei: bigint) => formatUnits(wei, 18)

export type AskInferenceParameters = { modelId: bigint; text: string; feeWei: bigint }

export type AskInferenceReturnType = {
  inferenceId: string
  prediction?: string
  contributors: { position: number; contributor: string; score: string; paidOpen: string; creditedBeforeOpen: string; creditedAfterOpen?: string }[]
  settledTx: string
  claimableAt: number
  claimed: boolean
}

/**
 * One paid question, end to end, as a timeline of job steps: the settlement is ready, the host
 * (this node) answers and escrows the fee (recorded), the prover scores every record (attributed,
 * with the top contributors and their scores), proves (proved), settles on-chain where the
 * verifier checks the proof (settled), and once the challenge window has passed claims, which
 * credits each contributor's OPEN (credited). On a poa local node the window is passed by moving
 * the chain's clock, as `poa demo` does; on another chain the timeline stops at settled and the
 * claim is `poa rewards claim` once the window closes.
 */
export async function askInference(ctx: DashboardContext, job: JobContext, p: AskInferenceParameters): Promise<AskInferenceReturnType> {
  const chain = ctx.chain.target
  const folders = { home: ctx.home, buildDir: ctx.buildDir }
  const setup = await deployDevSettlement({ ...folders, chain, circuitSet: ctx.circuitSet, log: job.log })
  job.step('settlement ready', { settlement: setup.settlement, circuit: setup.circuit })

  const recorded = await recordQueryInference({ ...folders, chain, modelId: p.modelId, text: p.text, feeWei: p.feeWei, circuitSet: ctx.circuitSet })
  const inferenceId = recorded.inferenceId
  job.step('recorded', { inferenceId, modelId: p.modelId, prediction: recorded.prediction?.label, feeOpen: open(recorded.feeWei), poolOpen: open(recorded.poolWei), txHash: recorded.txHash })

  const proved = await proveInference({ ...folders, chain, inferenceId, circuitSet: ctx.circuitSet, workers: ctx.workers, onProgress: job.onProgress, log: job.log })
  const top = proved.contributors.map((c) => ({ position: c.position, contributor: c.contributor, score: c.score.toString(), paidOpen: open(c.payoutWei) }))
  job.step('attributed', { records: proved.scored.records, positive: proved.scored.positive, scoringMs: Math.round(proved.scoringMs), contributors: top })
  job.step('proved', { system: proved.pkg.system, circuit: proved.pkg.circuit.name, provingMs: Math.round(proved.provingMs), publicSignals: proved.pkg.publicSignals.length })

  const before = await withChainSession({ home: ctx.home, chain }, (c) =>
    Promise.all(top.map((t) => rewardBalance({ settlement: settlementAddress(c), runner: c.provider, account: t.contributor }))))
  const settled = await settleProofFile({ home: ctx.home, chain, file: proved.file })
  job.step('settled', {
    txHash: settled.txHash, claimableAt: settled.claimableAt, contributorsOpen: open(settled.paidToContributorsWei), proverOpen: open(settled.proverFeeWei),
    modelOwnerOpen: open(settled.modelOwnerFeeWei), treasuryOpen: open(settled.treasuryFeeWei),
  })
  const contributors = top.map((t, i) => ({ ...t, creditedBeforeOpen: open(before[i]) }))
  if (!ctx.chain.devClock) {
    job.step('challenge window', { claimableAt: settled.claimableAt, note: 'claim with poa rewards claim once it closes' })
    return { inferenceId, prediction: recorded.prediction?.label, contributors, settledTx: settled.txHash, claimableAt: settled.claimableAt, claimed: false }
  }
  const after = await withChainSession({ home: ctx.home, chain }, async (c) => {
    const settlement = settlementAddress(c)
    const now = (await c.provider.getBlock('latest'))!.timestamp
    // Nobody challenges on a dev chain: move its clock past the window (the second block lands an interval later).
    if (settled.claimableAt > now) await c.mine({ blocks: 2, intervalSeconds: settled.claimableAt - now })
    const claim = await claimRewards({ settlement, signer: c.signer, inferenceId })
    job.step('claimed', { txHash: claim.txHash })
    return Promise.all(top.map((t) => rewardBalance({ settlement, runner: c.provider, account: t.contributor })))
  })
  const credited = contributors.map((c, i) => ({ ...c, creditedAfterOpen: open(after[i]) }))
  job.step('credited', { contributors: credited })
  return { inferenceId, prediction: recorded.prediction?.label, contributors: credited, settledTx: settled.txHash, claimableAt: settled.claimableAt, claimed: true }
}
