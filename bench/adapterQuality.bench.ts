/**
 * Attribution quality of an adapter model (issue 20 part 2): LDS of the product's adapter features
 * (projected gradients with respect to A and B, adapter-pca with Gauss-Newton curvature, k = 128,
 * int16), the same over A, B and the head, that with the empirical Fisher, and the head-gradient
 * features the existing pipeline would give the same ONNX model (whitened-pca of the
 * head gradient, prepareAttribution, k = 128, int16), on one small split, one run.
 * Base: Spam Assassin, 600 mails (seed 11), h = 128, 4 epochs. Datanet: 300 other mails; queries:
 * 60 held-out mails, attributed at the predicted class. Ground truth: the adapter retrained (same
 * seed, so the same start) on 50 random 50% subsets; margin = log p_y - log(1 - p_y) of each query.
 * LDS = Spearman between sum_{i in S} score_i(q) and the retrained margins, averaged over queries
 * (bench/ldsHarness.ts). Run: npx tsx bench/adapterQuality.bench.ts
 */
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { createSession, computeFeatures, prepareAttribution, type SparseVector } from '../prover/influence/index.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'
import {
  trainBase, trainAdapter, encodeBaseModel, decodeBaseModel, buildAdapterModel, adapterParams, adapterFactors, baseActivation, argmaxOf, prepareTrainingRows,
} from '../prover/adapters/index.ts'
import { line, margin, ldsPerQuery, meanWithInterval, quantized, intScores, type Retrained } from './ldsHarness.ts'

const K = 128
const SUBSETS = 50
const N_TRAIN = 300
const N_QUERY = 60
const EPOCHS = 10

const mails = loadSpamAssassin({ limit: 1200, seed: 11 })
const t0 = Date.now()
const base = decodeBaseModel(encodeBaseModel(await trainBase({ records: mails.slice(0, 600), hiddenDim: 128, epochs: 4, seed: 1 })), 'base.poa')
const train = mails.slice(600, 600 + N_TRAIN)
const queries = mails.slice(600 + N_TRAIN, 600 + N_TRAIN + N_QUERY)
const full = await trainAdapter({ base, records: train, epochs: EPOCHS })
const labels = full.adapter.labels
const q = prepareTrainingRows({ records: queries, labels }, base.vectorizer)
const probsOf = (a: typeof full.adapter, row: SparseVector) => adapterFactors(adapterParams(base, a), row, baseActivation(base.W0, base.b0, base.hiddenDim, row), 0).probs
const yq = q.rows.map((r) => argmaxOf(probsOf(full.adapter, r)))
const heldOutAccuracy = yq.filter((c, i) => c === q.y[i]).length / N_QUERY
line({ step: 'trained', seconds: (Date.now() - t0) / 1000, trainAccuracy: full.adapter.training!.accuracy, heldOutAccuracy })

// Ground truth: retrain on random halves.
const gauss = gaussianStream(99)
const tr = Date.now()
const retrained: Retrained = { subsets: [], margins: Array.from({ length: N_QUERY }, () => new Float64Array(SUBSETS)), seconds: 0 }
for (let s = 0; s < SUBSETS; s++) {
  const mask = new Uint8Array(N_TRAIN)
  train.map(() => gauss()).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).slice(0, N_TRAIN / 2).forEach(([, i]) => (mask[i] = 1))
  retrained.subsets.push(mask)
  const sub = await trainAdapter({ base, records: train.filter((_, i) => mask[i]), labels, epochs: EPOCHS })
  q.rows.forEach((r, j) => { retrained.margins[j][s] = margin(Array.from(probsOf(sub.adapter, r), Math.log), yq[j]) })
}
retrained.seconds = (Date.now() - tr) / 1000
line({ step: 'retrained', subsets: SUBSETS, seconds: retrained.seconds })

async function features(featureBytes: Uint8Array, classes: number) {
  const { session } = await createSession({ bytes: featureBytes, provider: 'cpu' })
  try {
    const common = { session, inputName: 'input', probsName: 'probs', inputDim: base.inputDim, k: K, classes }
    return {
      train: (await computeFeatures({ ...common, rows: full.rows, labels: full.y })).features,
      query: (await computeFeatures({ ...common, rows: q.rows, labels: yq })).features,
    }
  } finally {
    await session.release()
  }
}

const tp = Date.now()
const built = await buildAdapterModel({ name: 'bench', baseName: 'base', base, adapter: full.adapter, rows: full.rows, y: full.y, k: K, withHead: true })
const adapterSeconds = (Date.now() - tp) / 1000
const tg = Date.now()
const gn = await buildAdapterModel({ name: 'bench', baseName: 'base', base, adapter: full.adapter, rows: full.rows, y: full.y, k: K, curvature: 'fisher', withHead: true })
const gnSeconds = (Date.now() - tg) / 1000
const tl = Date.now()
const lora = await buildAdapterModel({ name: 'bench', baseName: 'base', base, adapter: full.adapter, rows: full.rows, y: full.y, k: K })
const loraSeconds = (Date.now() - tl) / 1000
const th = Date.now()
const head = await prepareAttribution({ modelBytes: built.modelBytes, kind: 'whitened-pca', k: K, seed: 1, damping: full.adapter.training!.l2, training: { rows: full.rows, labels: full.y } })
const headSeconds = (Date.now() - th) / 1000

const rows: string[] = []
for (const [name, bytes, seconds] of [
  ['adapter-pca-head: gradients w.r.t. A, B and the head, Gauss-Newton', built.featureBytes, adapterSeconds],
  ['adapter-pca-head with the empirical Fisher instead of Gauss-Newton', gn.featureBytes, gnSeconds],
  ['adapter-pca: gradients w.r.t. A and B, Gauss-Newton (the product default)', lora.featureBytes, loraSeconds],
  ['whitened-pca of the head gradient only (the existing pipeline on the same model)', head.featureBytes, headSeconds],
] as const) {
  const f = quantized(await features(bytes, labels.length), 16)
  const lds = meanWithInterval(ldsPerQuery(retrained, (j) => intScores(f.train, f.query, K, j)))
  line({ method: name, k: K, lds: lds.mean, lo: lds.lo, hi: lds.hi, clamped: f.clamped, projectionSeconds: seconds })
  rows.push(`| ${name} | ${K} | ${lds.mean.toFixed(3)} [${lds.lo.toFixed(3)}, ${lds.hi.toFixed(3)}] | ${seconds.toFixed(1)} |`)
}
console.log(['', `${N_TRAIN} training mails, ${N_QUERY} queries (held-out accuracy ${heldOutAccuracy.toFixed(2)}), ${SUBSETS} retrained subsets`, '| features | k | LDS [95% CI] | projection s |', '|---|---|---|---|', ...rows].join('\n'))
