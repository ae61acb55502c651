import type { EventLog } from 'ethers'
import { formatUnits } from 'ethers'
import type { FastifyInstance } from 'fastify'
import { withChainSession } from '../../app/withChainSession.ts'
import { settlementAt } from '../../clients/settlementClient.ts'
import { GOVERNOR_CONTRACT, governorAt, proposalStateName } from '../../governance/contracts.ts'
import type { DashboardContext } from '../dashboardContext.ts'

const open = (wei: bigint) => formatUnits(wei, 18)

type RewardRow = { account: string; creditedOpen: string; withdrawnOpen: string; balanceOpen: string }

/**
 * Rewards and governance, read from the chain's events: each account's credited and withdrawn
 * OPEN (RewardCredited, RewardWithdrawn) and its balance now; the Governor's proposals and their
 * state. Read only: withdrawing and voting stay with the account holders (`poa rewards`, `poa gov`).
 */
export function rewardRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/rewards', () =>
    withChainSession({ home: ctx.home, chain: ctx.chain.target }, async (chain) => {
      const address = chain.deployment.contracts.AttributionSettlement
      if (address === undefined) return { settlement: null, accounts: [] as RewardRow[] }
      const settlement = await settlementAt(address, chain.provider)
      const from = chain.deployment.deployedAtBlock
      const [credited, withdrawn] = await Promise.all([
        settlement.queryFilter(settlement.filters.RewardCredited!(), from) as Promise<EventLog[]>,
        settlement.queryFilter(settlement.filters.RewardWithdrawn!(), from) as Promise<EventLog[]>,
      ])
      const rows = new Map<string, { credited: bigint; withdrawn: bigint }>()
      const row = (a: string) => rows.get(a) ?? rows.set(a, { credited: 0n, withdrawn: 0n }).get(a)!
      for (const e of credited) row(e.args.account as string).credited += BigInt(e.args.amount)
      for (const e of withdrawn) row(e.args.account as string).withdrawn += BigInt(e.args.amount)
      const ranked = [...rows].sort(([, a], [, b]) => (b.credited > a.credited ? 1 : b.credited < a.credited ? -1 : 0))
      const accounts: RewardRow[] = await Promise.all(ranked.map(async ([account, r]) => ({
        account, creditedOpen: open(r.credited), withdrawnOpen: open(r.withdrawn), balanceOpen: open(BigInt(await settlement.balanceOf(account))),
      })))
      return { settlement: address, accounts }
    }))

  app.get('/api/governance', () =>
    withChainSession({ home: ctx.home, chain: ctx.chain.target }, async (chain) => {
      const address = chain.deployment.contracts[GOVERNOR_CONTRACT]
      if (address === undefined) return { governor: null, proposals: [] }
      const governor = await governorAt(address, chain.provider)
      const created = (await governor.queryFilter(governor.filters.ProposalCreated!(), chain.deployment.deployedAtBlock)) as EventLog[]
      const proposals = await Promise.all(created.map(async (e) => ({
        proposalId: String(e.args.proposalId), proposer: e.args.proposer as string, description: e.args.description as string,
        state: proposalStateName(await governor.state(e.args.proposalId)), blockNumber: e.blockNumber,
      })))
      return { governor: address, proposals: proposals.reverse() }
    }))
}
