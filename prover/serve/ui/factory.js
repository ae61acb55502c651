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

export async function initFactory(shared, status) {
  const chart = trainingChart($('training-chart'))
  const { baseModels, projections, defaultProjection, featureCount } = await getJson('/api/base-models')
  $('projection').innerHTML = projections.map((p) => `<option${p === defaultProjection ? ' selected' : ''}>${esc(p)}</option>`).join('')
  $('base-model').innerHTML = baseModels.map((b) => `<option value="${esc(b.id)}">${esc(b.id)}: ${esc(b.description)}</option>`).join('')
  $('factory-note').textContent = `head: ${baseModels[0].head}; ${featureCount} attribution features per record (the ${status.circuitSet} circuit's k)`
  let trained

  async function loadDatanets() {
    const list = await getJson('/api/datanets')
    $('train-datanet').innerHTML = list.filter((d) => d.latestVersion > 0).map((d) => `<option value="${d.id}">${esc(d.name)} v${d.latestVersion} (${d.recordCount} records)</option>`).join('')
  }

  async function loadModels() {
    const models = await getJson('/api/models')
    fillTable($('models'), models.map((m) => [
      esc(m.name), mono(m.vectorizer), esc(m.labels.join(', ')), esc(m.training ? `${(100 * m.training.trainAccuracy).toFixed(1)}%` : ''),
      m.registered.length ? m.registered.map((r) => `model #${esc(r.modelId)} (datanet #${esc(r.datanetId)} v${esc(r.datanetVersion)})`).join('<br>') : '<span class="muted">not registered</span>',
    ]), 'no models yet')
    await shared.refresh('models-changed')
  }

  $('train-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    chart.data.labels = []
    for (const d of chart.data.datasets) d.data = []
    chart.update()
    $('train-steps').innerHTML = ''
    $('register-btn').disabled = true
    const body = { name: $('model-name').value, datanet: $('train-datanet').value, baseModel: $('base-model').value, l2: $('l2').value, projection: $('projection').value }
    try {
      const job = await postJson('/api/models/train', body)
      say($('train-message'), 'training…')
      const done = await followJob(job.id, (j) => {
        chart.data.labels = j.epochs.map((e) => e.epoch)
        chart.data.datasets[0].data = j.epochs.map((e) => e.loss)
        chart.data.datasets[1].data = j.epochs.map((e) => e.accuracy)
        chart.update()
        $('training-chart').dataset.epochs = String(j.epochs.length)
        const p = Object.entries(j.progress).at(-1)
        $('train-progress').textContent = p ? `${p[0]}: ${p[1].done}/${p[1].total} ${p[1].unit}` : ''
        $('train-steps').innerHTML = j.steps.map((s) => `<li data-step="${esc(s.step)}"><b>${esc(s.step)}</b> <span class="muted">${esc(summary(s.detail))}</span></li>`).join('')
      }, 250)
      if (done.state === 'failed') return say($('train-message'), `${done.error.code}: ${done.error.message}`, 'error')
      trained = { name: done.result.name, datanet: body.datanet, version: done.result.index.datanet.version }
      await loadModels()
      say($('train-message'), `trained "${trained.name}": ${done.result.training.iterations} epochs, train accuracy ${(100 * done.result.training.trainAccuracy).toFixed(1)}%, index root ${short(done.result.index.root)}`)
      $('register-btn').disabled = false
    } catch (error) {
      say($('train-message'), error.message, 'error')
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
