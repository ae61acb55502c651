// Datanets tab: create, upload records, commit a version's root, and read versions, contributors, records.
import { followJob, getJson, postJson, uploadRecords } from './api.js'
import { esc, fillTable, mono, say, short } from './format.js'

const $ = (id) => document.getElementById(id)

export async function initDatanets(shared) {
  const select = $('datanet-select')

  async function loadList(selected) {
    const list = await getJson('/api/datanets')
    const keep = selected ?? select.value
    select.innerHTML = list.map((d) => `<option value="${d.id}">${esc(d.name)} (${d.recordCount} records, v${d.latestVersion})</option>`).join('')
    if (keep && list.some((d) => String(d.id) === String(keep))) select.value = String(keep)
    await showDatanet()
  }

  async function showDatanet() {
    if (!select.value) return
    const d = await getJson(`/api/datanets/${select.value}`)
    fillTable($('datanet-versions'), d.versions.map((v) => [
      esc(v.version), esc(v.recordCount), mono(short(v.root)), esc(v.source ?? ''),
      v.commit ? `committed in ${mono(short(v.commit.txHash))} (block ${esc(v.commit.blockNumber)})` : '<span class="muted">not committed</span>',
    ]), 'no versions: upload records')
    fillTable($('datanet-contributors'), d.contributors.slice(0, 20).map((c) => [mono(c.contributor), esc(c.records)]))
    const records = d.latestVersion > 0 ? await getJson(`/api/datanets/${select.value}/records?limit=20`) : { total: 0, records: [] }
    $('records-count').textContent = `${records.total} in the latest version`
    fillTable($('datanet-records'), records.records.map((r) => [esc(r.position), esc(r.label ?? ''), mono(short(r.contributor)), `<span title="${esc(r.preview)}">${esc(r.preview.slice(0, 80))}</span>`]))
  }

  select.addEventListener('change', showDatanet)

  $('datanet-create').addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const created = await postJson('/api/datanets', { name: $('datanet-name').value })
      say($('create-message'), `created "${created.name}" (id ${created.id}, depth ${created.depth})`)
      await loadList(created.id)
      await shared.refresh('datanets-changed')
    } catch (error) {
      say($('create-message'), error.message, 'error')
    }
  })

  $('upload-btn').addEventListener('click', async () => {
    const file = $('upload-file').files[0]
    if (!file || !select.value) return say($('upload-message'), 'choose a datanet and a file', 'error')
    say($('upload-message'), `uploading ${file.name}…`)
    try {
      const r = await uploadRecords(select.value, file, { map: $('upload-map').value, contributor: $('upload-contributor').value, rest: $('upload-rest').checked })
      await loadList()
      await shared.refresh('datanets-changed')
      say($('upload-message'), `imported ${r.added} records: version ${r.version}, root ${short(r.root)}`)
    } catch (error) {
      say($('upload-message'), `${error.code}: ${error.message}`, 'error')
    }
  })

  $('commit-btn').addEventListener('click', async () => {
    if (!select.value) return
    try {
      const job = await postJson(`/api/datanets/${select.value}/commit`, {})
      say($('commit-message'), 'committing…')
      const done = await followJob(job.id, () => {})
      if (done.state === 'failed') return say($('commit-message'), done.error.message, 'error')
      const last = done.result.commits.at(-1)
      await loadList()
      say($('commit-message'), `root of v${last.version} on-chain as datanet #${done.result.chainDatanetId} (tx ${short(last.txHash)})`)
    } catch (error) {
      say($('commit-message'), error.message, 'error')
    }
  })

  shared.on('datanets', () => loadList())
  await loadList()
}
