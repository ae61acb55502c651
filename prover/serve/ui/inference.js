// Inference tab: pay and ask a registered model; the job's steps arrive as a timeline with the proven top contributors.
import { followJob, getJson, postJson } from './api.js'
import { esc, fillTable, mono, say, short } from './format.js'

const $ = (id) => document.getElementById(id)

/** The steps an answer goes through, in order (askInference on the server). */
const STEPS = [
  ['settlement ready', 'the attribution verifier is deployed'],
  ['recorded', 'the host answered and escrowed the fee'],
  ['attributed', 'every record scored against the query'],
  ['proved', 'the SNARK of scores and payouts'],
  ['settled', 'the verifier contract accepted the proof'],
  ['claimed', 'the challenge window passed'],
  ['credited', "contributors' OPEN credited"],
]

function describe(step) {
  const d = step.detail ?? {}
  switch (step.step) {
    case 'recorded': return `inference ${short(d.inferenceId)}: prediction ${d.prediction}, fee ${d.feeOpen} OPEN (pool ${d.poolOpen}), tx ${short(d.txHash)}`
    case 'attributed': return `${d.records} records scored, ${d.positive} positive; ${d.contributors.length} paid`
    case 'proved': return `${d.system} proof of ${d.circuit} in ${(d.provingMs / 1000).toFixed(1)} s, ${d.publicSignals} public signals`
    case 'settled': return `tx ${short(d.txHash)}: contributors ${d.contributorsOpen}, prover ${d.proverOpen}, model owner ${d.modelOwnerOpen}, treasury ${d.treasuryOpen} OPEN`
    case 'claimed': return `tx ${short(d.txHash)}`
    case 'challenge window': return `claimable at ${new Date(d.claimableAt * 1000).toISOString()}: ${d.note}`
    case 'settlement ready': return `${d.circuit} at ${short(d.settlement)}`
    case 'credited': return d.contributors.map((c) => `${short(c.contributor)} ${c.creditedBeforeOpen} → ${c.creditedAfterOpen} OPEN`).join(', ')
    default: return ''
  }
}

function showContributors(contributors) {
  fillTable($('top-contributors'), contributors.map((c) => [
    esc(c.position), mono(c.contributor), mono(c.score), `${esc(c.paidOpen)} OPEN`, `${esc(c.creditedBeforeOpen ?? '')}`, `<b>${esc(c.creditedAfterOpen ?? '…')}</b>`,
  ]), 'no contributor scored above zero')
}

export async function initInference(shared) {
  async function loadModels() {
    const models = await getJson('/api/models')
    const registered = models.flatMap((m) => m.registered.map((r) => ({ ...r, name: m.name })))
    $('inference-model').innerHTML = registered.map((r) => `<option value="${esc(r.modelId)}">#${esc(r.modelId)} ${esc(r.name)} (datanet #${esc(r.datanetId)} v${esc(r.datanetVersion)})</option>`).join('')
  }

  function drawTimeline(job) {
    const arrived = new Map(job.steps.map((s) => [s.step, s]))
    const planned = STEPS.filter(([name]) => !(name === 'claimed' || name === 'credited') || !arrived.has('challenge window'))
    const extra = job.steps.filter((s) => !STEPS.some(([name]) => name === s.step))
    $('timeline').innerHTML = [...planned.map(([name, what]) => {
      const s = arrived.get(name)
      return `<li class="${s ? 'done' : job.state === 'failed' ? 'failed' : 'pending'}" data-step="${esc(name)}"><b>${esc(name)}</b> <span class="muted">${esc(what)}</span>${s ? `<div class="detail">${esc(describe(s))}</div>` : ''}</li>`
    }), ...extra.map((s) => `<li class="done" data-step="${esc(s.step)}"><b>${esc(s.step)}</b><div class="detail">${esc(describe(s))}</div></li>`)].join('')
    const credited = arrived.get('credited') ?? arrived.get('attributed')
    if (credited) showContributors(credited.detail.contributors)
  }

  $('ask-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    fillTable($('top-contributors'), [], 'waiting for the attribution')
    try {
      const job = await postJson('/api/inferences', { modelId: $('inference-model').value, text: $('question').value, feeOpen: $('fee').value })
      say($('ask-message'), 'asking…')
      const done = await followJob(job.id, drawTimeline)
      if (done.state === 'failed') return say($('ask-message'), `${done.error.code}: ${done.error.message}`, 'error')
      await shared.refresh('rewards')
      say($('ask-message'), `answered "${done.result.prediction}"; inference ${short(done.result.inferenceId)} ${done.result.claimed ? 'settled and credited' : 'settled'}`)
    } catch (error) {
      say($('ask-message'), error.message, 'error')
    }
  })

  shared.on('models-changed', loadModels)
  shared.on('inference', loadModels)
  await loadModels()
}
