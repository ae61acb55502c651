// The dashboard page: tabs, the server status line, and each tab's module.
import { getJson } from './api.js'
import { esc, short } from './format.js'
import { initDatanets } from './datanets.js'
import { initFactory } from './factory.js'
import { initInference } from './inference.js'
import { initRewards } from './rewards.js'

/** Tabs call `refresh(name)` after a change so the others show it. */
const refreshers = new Map()
export const shared = {
  on: (name, fn) => refreshers.set(name, [...(refreshers.get(name) ?? []), fn]),
  refresh: (name) => Promise.all((refreshers.get(name) ?? []).map((fn) => fn())),
}

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab)
    for (const p of document.querySelectorAll('.panel')) p.classList.toggle('active', p.id === `tab-${tab.dataset.tab}`)
    shared.refresh(tab.dataset.tab)
  })
}

const status = await getJson('/api/status')
document.getElementById('status').innerHTML =
  `chain ${esc(status.chain.chainId)} · ${esc(status.chain.served)} · signing as <span class="mono">${esc(short(status.chain.signer))}</span> · circuit ${esc(status.circuitSet)}`

await initDatanets(shared, status)
await initFactory(shared, status)
await initInference(shared, status)
await initRewards(shared, status)
document.body.dataset.ready = 'true'
