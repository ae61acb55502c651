// Rewards tab: each account's credited and withdrawn OPEN, and the governance proposals with their state.
import { getJson } from './api.js'
import { esc, fillTable, mono } from './format.js'

const $ = (id) => document.getElementById(id)

export async function initRewards(shared) {
  async function load() {
    const [rewards, gov] = await Promise.all([getJson('/api/rewards'), getJson('/api/governance')])
    fillTable($('rewards'), rewards.accounts.map((a) => [mono(a.account), `${esc(a.creditedOpen)} OPEN`, `${esc(a.withdrawnOpen)} OPEN`, `${esc(a.balanceOpen)} OPEN`]),
      rewards.settlement ? 'no rewards credited yet' : 'no settlement deployed yet')
    $('governor').textContent = gov.governor ? `PoaGovernor at ${gov.governor}` : 'no Governor deployed on this chain (poa gov deploy)'
    fillTable($('proposals'), gov.proposals.map((p) => [mono(`${p.proposalId.slice(0, 12)}…`), esc(p.description), mono(p.proposer), esc(p.state)]), 'no proposals')
  }
  $('rewards-refresh').addEventListener('click', load)
  shared.on('rewards', load)
  await load()
}
