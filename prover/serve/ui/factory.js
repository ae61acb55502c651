// ModelFactory tab: pick a base model and a datanet, fine-tune with a live loss/accuracy chart, register.
import { followJob, getJson, postJson } from './api.js'
import { esc, fillTable, mono, say, short } from './format.js'

const $ = (id) => document.getElementById(id)

function trainingChart(canvas) {
  const axis = (id, label, position, extra = {}) => ({ [id]: { position, title: { display: true, text: label, color: '#8b98a5' }, ticks: { color: '#8b98a5' }, grid: { color: '#2a3642' }, ...extra } })
  return new window.Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'loss (cross-entropy)', data: [], borderColor: '#4fb3ff', yAxisID: 'loss', tension: 0.2 },
      { label: 'accuracy', data: [], borderColor: '#3fb950', yAxisID: 'accuracy', tension: 0.2 },
    ] },
    options: {
      animation: false, responsive: true,
      plugins: { legend: { labels: { color: '#e6edf3' } } },
      scales: { ...axis('x', 'epoch', 'bottom'), ...axis('loss', 'loss', 'left', { beginAtZero: true }), ...axis('accuracy', 'accuracy', 'right', { min: 0, max: 1, grid: { drawOnChartArea: false } }) },
    },
  })
}

/** Bytes as "19.8 kB". */
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`
const pct = (x) => `${(100 * x).toFixed(1)}%`
/** The held-out estimate of a training (prover/influence/heldOutAccuracy.ts), beside the majority baseline. */
const heldOutText = (h) => !h ? '' : h.skipped ? `held-out skipped (${h.skipped})` : `held-out ${pct(h.accuracy)} (${h.folds}-fold; always "${h.majority.label}": ${pct(h.majority.rate)})${h.clearlyAboveMajority ? '' : ': no better than the majority class, attribution would be noise'}`

export async function initFactory(shared, status) {
  const chart = trainingChart($('training-chart'))
  let baseModels = []
  let featureCount
  let trained

  /** The base list (vectoriser heads and this home's OpenLoRA bases), keeping the selection. */
  async function loadBases(select) {
    const listed = await getJson('/api/base-models')
    baseModels = listed.baseModels
    featureCount = listed.featureCount
    if ($('projection').options.length === 0) $('projection').innerHTML = listed.projections.map((p) => `<option${p === listed.defaultProjection ? ' selected' : ''}>${esc(p)}</option>`).join('')
    const keep = select ?? $('base-model').value
    $('base-model').innerHTML = baseModels.map((b) => `<option value="${esc(b.id)}">[${esc(b.kind)}] ${esc(b.id)}: ${esc(b.description)}</option>`).join('')
    if (keep && baseModels.some((b) => b.id === keep)) $('base-model').value = keep
    showBaseOptions()
  }

  /** Show the options of the chosen base's kind (L2 and projection for a head, rank and epochs for an adapter). */
  function showBaseOptions() {
    const base = baseModels.find((b) => b.id === $('base-model').value) ?? baseModels[0]
    for (const el of document.querySelectorAll('#train-form [data-kind]')) el.hidden = el.dataset.kind !== base.kind
    const what = base.kind === 'lora' ? `${base.head}; base ${kb(base.bytes)}, sha256 ${short(base.sha256)}` : `head: ${base.head}`
    $('factory-note').textContent = `${what}; ${featureCount} attribution features per record (the ${status.circuitSet} circuit's k)`
  }

  /** Clear the chart, then follow a training job, drawing its epochs and steps. */
  async function followTraining(jobId) {
    chart.data.labels = []
    for (const d of chart.data.datasets) d.data = []
    chart.update()
    $('train-steps').innerHTML = ''
    return followJob(jobId, (j) => {
      chart.data.labels = j.epochs.map((e) => e.epoch)
      chart.data.datasets[0].data = j.epochs.map((e) => e.loss)
      chart.data.datasets[1].data = j.epochs.map((e) => e.accuracy)
      chart.update()
      $('training-chart').dataset.epochs = String(j.epochs.length)
      const p = Object.entries(j.progress).at(-1)
      $('train-progress').textContent = p ? `${p[0]}: ${p[1].done}/${p[1].total} ${p[1].unit}` : ''
      $('train-steps').innerHTML = j.steps.map((s) => `<li data-step="${esc(s.step)}"><b>${esc(s.step)}</b> <span class="muted">${esc(summary(s.detail))}</span></li>`).join('')
    }, 250)
  }

  $('base-model').addEventListener('change', showBaseOptions)
  await loadBases()

  async function loadDatanets() {
    const list = await getJson('/api/datanets')
    $('train-datanet').innerHTML = list.filter((d) => d.latestVersion > 0).map((d) => `<option value="${d.id}">${esc(d.name)} v${d.latestVersion} (${d.recordCount} records)</option>`).join('')
  }

  async function loadModels() {
    const models = await getJson('/api/models')
    fillTable($('models'), models.map((m) => [
      esc(m.name), esc(m.kind === 'lora' ? `adapter (rank ${m.adapter.rank}) on ${m.adapter.base}` : 'linear head'), mono(m.vectorizer), esc(m.labels.join(', ')), esc(m.training ? `${pct(m.training.trainAccuracy)}${m.training.heldOut && !m.training.heldOut.skipped ? ` / ${pct(m.training.heldOut.accuracy)}` : ''}` : ''),
      m.adapter ? esc(m.adapter.baseBytes ? `${kb(m.adapter.adapterBytes)} / ${kb(m.adapter.baseBytes)} (${(100 * m.adapter.adapterBytes / m.adapter.baseBytes).toFixed(1)}%)` : `${kb(m.adapter.adapterBytes)} / base missing`) : '<span class="muted">-</span>',
      m.registered.length ? m.registered.map((r) => `model #${esc(r.modelId)} (datanet #${esc(r.datanetId)} v${esc(r.datanetVersion)})`).join('<br>') : '<span class="muted">not registered</span>',
    ]), 'no models yet')
    await shared.refresh('models-changed')
  }

  $('train-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    $('register-btn').disabled = true
    const base = baseModels.find((b) => b.id === $('base-model').value)
    const options = base?.kind === 'lora' ? { rank: $('rank').value, epochs: $('adapter-epochs').value } : { l2: $('l2').value, projection: $('projection').value }
    const body = { name: $('model-name').value, datanet: $('train-datanet').value, baseModel: $('base-model').value, ...options }
    try {
      const job = await postJson('/api/models/train', body)
      say($('train-message'), 'training…')
      const done = await followTraining(job.id)
      if (done.state === 'failed') return say($('train-message'), `${done.error.code}: ${done.error.message}`, 'error')
      trained = { name: done.result.name, datanet: body.datanet, version: done.result.index.datanet.version }
      await loadModels()
      const adapter = done.result.adapter ? `, adapter ${kb(done.result.adapter.adapterBytes)} on a ${kb(done.result.adapter.baseBytes)} base` : ''
      say($('train-message'), `trained "${trained.name}": ${done.result.training.iterations} epochs, train accuracy ${pct(done.result.training.trainAccuracy)}${done.result.training.heldOut ? `, ${heldOutText(done.result.training.heldOut)}` : ''}${adapter}, index root ${short(done.result.index.root)}`)
      $('register-btn').disabled = false
    } catch (error) {
      say($('train-message'), error.message, 'error')
    }
  })

  $('base-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const body = { name: $('base-name').value, datanet: $('train-datanet').value, hiddenDim: $('base-hidden').value, epochs: $('base-epochs').value }
    try {
      const job = await postJson('/api/bases/train', body)
      say($('base-message'), 'training the base…')
      const done = await followTraining(job.id)
      if (done.state === 'failed') return say($('base-message'), `${done.error.code}: ${done.error.message}`, 'error')
      await loadBases(done.result.id)
      say($('base-message'), `base "${done.result.name}": ${kb(done.result.bytes)}, hidden width ${done.result.hiddenDim}, sha256 ${short(done.result.sha256)}; pick ${done.result.id} to fine-tune adapters on it`)
    } catch (error) {
      say($('base-message'), error.message, 'error')
    }
  })

  $('register-btn').addEventListener('click', async () => {
    if (!trained) return
    $('register-btn').disabled = true
    try {
      const job = await postJson(`/api/models/${encodeURIComponent(trained.name)}/register`, { datanet: trained.datanet, version: trained.version })
      say($('register-message'), 'registering…')
      const done = await followJob(job.id, () => {})
      if (done.state === 'failed') return say($('register-message'), `${done.error.code}: ${done.error.message}`, 'error')
      await loadModels()
      say($('register-message'), `registered as model #${done.result.modelId} with index root ${short(done.result.indexRoot)} (tx ${short(done.result.txHash)})`)
    } catch (error) {
      say($('register-message'), error.message, 'error')
    }
  })

  shared.on('datanets-changed', loadDatanets)
  shared.on('factory', () => Promise.all([loadDatanets(), loadModels()]))
  await loadDatanets()
  await loadModels()
}

/** One line of a step's figures. */
function summary(detail) {
  if (!detail) return ''
  return Object.entries(detail).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k} ${typeof v === 'string' && v.length > 20 ? short(v) : v}`).join(', ')
}
