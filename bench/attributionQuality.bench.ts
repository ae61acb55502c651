/**
 * Attribution quality against the proof budget (issue 10), in ONE run:
 *   - LDS (Spearman over retrained 50% subsets, averaged over held-out queries, with a 95% bootstrap
 *     interval over queries) and mislabel-detection AUC (5% flipped, self-influence) of poa's
 *     whitened-pca features, of plain TRAK, and of the exact influence function, for k = 16..256;
 *     the whitened-pca index features also re-quantised to 13 and 12 bits (query stays 16 bits);
 *   - constraints per candidate at depth 20: Attribution(K, k, 20) compiled for K = 1 and K = 2, the
 *     difference being one candidate's cost with fixed costs excluded; the same for the prototype
 *     AttributionQuaternary(K, k, 20, bits) (4-ary index tree, bits-bit index features; docs/quality.md);
 *   - Groth16 prove time (snarkjs fullProve in this thread: witness + proof) of the K = 1 and K = 2
 *     circuits whose dev keys fit the cached 2^14 / 2^15 powers of tau; per candidate = the
 *     difference, or, where K = 2 does not fit, K = 1's time x the candidate's share of its
 *     constraints (an estimate, labelled "est.");
 *   - a frontier table.
 * Run: `npx tsx bench/attributionQuality.bench.ts [--quick] [--skip-quality] [--skip-circuits] [--skip-prove]`
 * The quality setup is bench/influence.bench.ts's (same subset, seeds, model, margins); its helpers
 * are not exported (that file runs on import), so the small statistics helpers are restated here and
 * every model, Hessian, projection and feature comes from prover/influence.
 */
import { availableParallelism, loadavg } from 'node:os'
import * as snarkjs from 'snarkjs'
import { loadSpamAssassin, SPAM_LABELS } from '../prover/dataset/spamAssassin.ts'
import {
  vectorize, densify, trainSoftmax, buildClassifierOnnx, buildProjection, buildFeatureOnnx, createSession, computeFeatures,
  chooseFracBits, quantizeFeatures, gaussNewtonHessian, cholesky, solveLower, solveUpperT, DEFAULT_VECTORIZER, whitenedPcaMatrix,
  type SoftmaxWeights, type SparseVector, type ProjectionKind,
} from '../prover/influence/index.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { attributionSpec } from '../prover/proof/circuitParams.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { devPtauPath, ensureDevKeys, requiredPower } from '../ceremony/devSetup.ts'
import { existsSync } from 'node:fs'
import { randomWitness, rng } from '../test/witnessFixture.ts'
import { quaternaryInput, quaternarySpec } from '../test/qualityFixture.ts'

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const N_TRAIN = QUICK ? 300 : 2000
const N_QUERY = QUICK ? 20 : 100
const SUBSETS = QUICK ? 8 : 50
const KS = QUICK ? [16, 32] : [16, 32, 64, 128, 256]
const INDEX_BITS = [13, 12]
const DEPTH = 20
const BOOTSTRAP = 2000
const PTAU_WAIT_MS = 25 * 60_000
const L2 = 1e-3
const d = DEFAULT_VECTORIZER.dim
const C = 2
const n = C * (d + 1)
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const r4 = (x: number) => +x.toFixed(4)

function logits(w: SoftmaxWeights, row: SparseVector): number[] {
  const out: number[] = []
  for (let c = 0; c < w.classes; c++) {
    let z = w.b[c]
    for (let j = 0; j < row.indices.length; j++) z += w.W[c * w.dim + row.indices[j]] * row.values[j]
    out.push(z)
  }
  return out
}
function softmax(z: number[]): number[] {
  const m = Math.max(...z)
  const e = z.map((v) => Math.exp(v - m))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / s)
}
/** Dense float64 head gradient (p - onehot(y)) (x) [x, 1] in the projection's theta layout. */
function gradient(w: SoftmaxWeights, row: SparseVector, y: number): Float64Array {
  const p = softmax(logits(w, row))
  const g = new Float64Array(n)
  for (let c = 0; c < C; c++) {
    const e = p[c] - (c === y ? 1 : 0)
    for (let j = 0; j < row.indices.length; j++) g[c * (d + 1) + row.indices[j]] = e * row.values[j]
    g[c * (d + 1) + d] = e
  }
  return g
}
function rank(values: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b])
  const r = new Float64Array(values.length)
  for (let i = 0; i < idx.length; ) {
    let j = i
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++
    for (let t = i; t <= j; t++) r[idx[t]] = (i + j) / 2
    i = j + 1
  }
  return r
}
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const m = a.length
  let ma = 0, mb = 0
  for (let i = 0; i < m; i++) { ma += a[i] / m; mb += b[i] / m }
  let sab = 0, saa = 0, sbb = 0
  for (let i = 0; i < m; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2 }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb)
}
const spearman = (a: ArrayLike<number>, b: ArrayLike<number>) => pearson(rank(a), rank(b))
function auc(scores: ArrayLike<number>, positive: boolean[]): number {
  const r = rank(scores)
  let sumPos = 0, nPos = 0
  for (let i = 0; i < r.length; i++) if (positive[i]) { sumPos += r[i] + 1; nPos++ }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (r.length - nPos))
}
/** Mean and 95% percentile-bootstrap interval over queries (seeded, BOOTSTRAP resamples). */
function meanWithInterval(perQuery: Float64Array): { mean: number; lo: number; hi: number } {
  const next = rng(7)
  const m = perQuery.length
  const means = new Float64Array(BOOTSTRAP)
  for (let b = 0; b < BOOTSTRAP; b++) {
    let s = 0
    for (let i = 0; i < m; i++) s += perQuery[Math.floor(next() * m)]
    means[b] = s / m
  }
  means.sort()
  return { mean: perQuery.reduce((a, b) => a + b, 0) / m, lo: means[Math.floor(0.025 * BOOTSTRAP)], hi: means[Math.ceil(0.975 * BOOTSTRAP) - 1] }
}
function hessianFactor(w: SoftmaxWeights, rows: SparseVector[]): Float64Array {
  const probs = new Float32Array(rows.length * C)
  rows.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (probs[i * C + c] = p)))
  return cholesky(gaussNewtonHessian({ hidden: densify(rows, d), probs, rows: rows.length, hiddenDim: d, classes: C, l2: L2 }).H, n)
}
/** Float features of train rows (true labels) and queries (predicted labels), computed by onnxruntime. */
async function onnxFloatFeatures(w: SoftmaxWeights, kind: ProjectionKind, k: number, L: Float64Array | undefined, train: SparseVector[], ytrain: Int32Array, queries: SparseVector[], yq: number[]) {
  let rowsM: Float64Array | undefined
  const tp = Date.now()
  if (kind === 'whitened-pca') {
    const errors = new Float32Array(train.length * C)
    train.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (errors[i * C + c] = p - (ytrain[i] === c ? 1 : 0))))
    rowsM = whitenedPcaMatrix({ L: L!, errors, hidden: densify(train, d), rows: train.length, classes: C, hiddenDim: d, k, seed: 1 })
  }
  const projectionSeconds = (Date.now() - tp) / 1000
  const projection = buildProjection({ kind, k, seed: 1, classes: C, hiddenDim: d, rows: rowsM })
  const modelBytes = buildClassifierOnnx({ weights: w, vectorizer: DEFAULT_VECTORIZER, labels: [...SPAM_LABELS] })
  const { session, provider } = await createSession({ bytes: buildFeatureOnnx(modelBytes, projection), provider: 'cpu' })
  try {
    const base = { session, inputName: 'input', probsName: 'probs', inputDim: d, k, classes: C }
    const train_ = (await computeFeatures({ ...base, rows: train, labels: ytrain })).features
    const query = queries.length ? (await computeFeatures({ ...base, rows: queries, labels: yq })).features : new Float32Array(0)
    return { train: train_, query, provider, projectionSeconds }
  } finally {
    await session.release()
  }
}
/**
 * Index features at `bits` bits: the engine's scale (chooseFracBits, 2x headroom, 16 bits) lowered by
 * 16 - bits, so |phi| < 2^(bits-1) without clamping; the query keeps the 16-bit engine scale.
 */
function quantized(f: { train: Float32Array; query: Float32Array }, bits: number) {
  const fracBits = chooseFracBits(f.train)
  const train = quantizeFeatures(f.train, fracBits - (16 - bits), { clamp: false, where: 'train' }).values
  const q = quantizeFeatures(f.query, fracBits, { clamp: true, where: 'query' })
  const bound = 2 ** (bits - 1)
  if (train.some((v) => v >= bound || v < -bound)) throw new RangeError(`index features exceed ${bits} bits`)
  return { train, query: q.values, clamped: q.clamped, fracBits }
}
function intScores(train: Int16Array, query: Int16Array, k: number, q: number): Float64Array {
  const out = new Float64Array(train.length / k)
  for (let i = 0; i < out.length; i++) {
    let s = 0
    for (let t = 0; t < k; t++) s += train[i * k + t] * query[q * k + t]
    out[i] = s
  }
  return out
}
function sparseDot(g: Float64Array, v: Float64Array): number {
  let s = 0
  for (let i = 0; i < g.length; i++) if (g[i] !== 0) s += g[i] * v[i]
  return s
}

type Quality = { lds: Record<string, number>; auc: Record<string, number> }

async function measureQuality(): Promise<Quality> {
  const out: Quality = { lds: {}, auc: {} }
  const mails = loadSpamAssassin({ limit: N_TRAIN + N_QUERY, seed: 1 })
  const gauss = gaussianStream(99)
  const qSet = new Set(mails.map((_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, N_QUERY).map(([, i]) => i))
  const trainMails = mails.filter((_, i) => !qSet.has(i))
  const queryMails = mails.filter((_, i) => qSet.has(i))
  const rows = trainMails.map((m) => vectorize(m.content))
  const y = Int32Array.from(trainMails, (m) => SPAM_LABELS.indexOf(m.label))
  const qrows = queryMails.map((m) => vectorize(m.content))
  const full = await trainSoftmax({ rows, labels: y, classes: C, dim: d, l2: L2 })
  const yq = qrows.map((r) => { const z = logits(full, r); return z[1] > z[0] ? 1 : 0 })
  const acc = yq.filter((p, i) => p === SPAM_LABELS.indexOf(queryMails[i].label)).length / N_QUERY
  line({ case: 'model', trainRecords: rows.length, queries: N_QUERY, iterations: full.iterations, heldOutAccuracy: acc })

  const subsets: Uint8Array[] = []
  const margins: Float64Array[] = Array.from({ length: N_QUERY }, () => new Float64Array(SUBSETS))
  const tRetrain = Date.now()
  for (let s = 0; s < SUBSETS; s++) {
    const mask = new Uint8Array(rows.length)
    const sorted = rows.map(() => gauss()).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
    for (let t = 0; t < rows.length / 2; t++) mask[sorted[t][1]] = 1
    subsets.push(mask)
    const idx = [...mask.keys()].filter((i) => mask[i])
    const w = await trainSoftmax({ rows: idx.map((i) => rows[i]), labels: idx.map((i) => y[i]), classes: C, dim: d, l2: L2 })
    qrows.forEach((r, q) => { const z = logits(w, r); margins[q][s] = z[yq[q]] - z[1 - yq[q]] })
  }
  line({ case: 'retrain', subsets: SUBSETS, seconds: (Date.now() - tRetrain) / 1000 })
  const lds = (score: (q: number) => ArrayLike<number>) => {
    const perQuery = new Float64Array(N_QUERY)
    for (let q = 0; q < N_QUERY; q++) {
      const tau = score(q)
      const pred = subsets.map((mask) => { let s = 0; for (let i = 0; i < mask.length; i++) if (mask[i]) s += tau[i]; return s })
      perQuery[q] = spearman(pred, margins[q])
    }
    return meanWithInterval(perQuery)
  }

  const L = hessianFactor(full, rows)
  const gTrain = rows.map((r, i) => gradient(full, r, y[i]))
  const exact = lds((q) => { const v = solveUpperT(L, n, solveLower(L, n, gradient(full, qrows[q], yq[q]))); return gTrain.map((g) => sparseDot(g, v)) })
  out.lds.exact = exact.mean
  line({ case: 'lds', method: 'exact-influence', lds: r4(exact.mean), ci95: [r4(exact.lo), r4(exact.hi)], ratioToExact: 1 })
  for (const kind of ['trak', 'whitened-pca'] as const) {
    for (const k of KS) {
      const f = await onnxFloatFeatures(full, kind, k, kind === 'trak' ? undefined : L, rows, y, qrows, yq)
      for (const bits of kind === 'trak' ? [16] : [16, ...INDEX_BITS]) {
        const qf = quantized(f, bits)
        const v = lds((q) => intScores(qf.train, qf.query, k, q))
        if (bits === 16) out.lds[`${kind}/${k}`] = v.mean
        line({ case: 'lds', method: kind, k, indexBits: bits, featureFracBits: qf.fracBits - (16 - bits), queryClamped: qf.clamped, provider: f.provider, projectionSeconds: f.projectionSeconds,
          lds: r4(v.mean), ci95: [r4(v.lo), r4(v.hi)], ratioToExact: +(v.mean / exact.mean).toFixed(3) })
      }
    }
  }

  // Mislabel detection: flip 5% of the labels, retrain, rank by self-influence <phi_i, phi_i>.
  const flipped = rows.map(() => false)
  const yNoisy = Int32Array.from(y)
  const picks = rows.map((_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, Math.round(rows.length * 0.05))
  for (const [, i] of picks) { flipped[i] = true; yNoisy[i] = 1 - yNoisy[i] }
  const noisy = await trainSoftmax({ rows, labels: yNoisy, classes: C, dim: d, l2: L2 })
  const Ln = hessianFactor(noisy, rows)
  const selfExact = rows.map((r, i) => solveLower(Ln, n, gradient(noisy, r, yNoisy[i])).reduce((a, b) => a + b * b, 0))
  out.auc.exact = auc(selfExact, flipped)
  line({ case: 'mislabel', method: 'exact-influence', flipped: picks.length, auc: r4(out.auc.exact) })
  for (const kind of ['trak', 'whitened-pca'] as const) {
    for (const k of KS) {
      const f = await onnxFloatFeatures(noisy, kind, k, kind === 'trak' ? undefined : Ln, rows, yNoisy, [], [])
      const phi = quantized(f, 16).train
      const self = new Float64Array(rows.length)
      for (let i = 0; i < rows.length; i++) for (let t = 0; t < k; t++) self[i] += phi[i * k + t] ** 2
      out.auc[`${kind}/${k}`] = auc(self, flipped)
      line({ case: 'mislabel', method: kind, k, auc: r4(out.auc[`${kind}/${k}`]) })
    }
  }
  return out
}

type Cost = { design: string; k: number; bits: number; K1: number; K2: number; perCandidate: number; circuits: CompiledCircuit[]; powers: number[]; proveS?: number; proveBasis?: string }

async function measureCircuits(): Promise<Cost[]> {
  const costs: Cost[] = []
  const log = (s: string) => console.error(s)
  const designs = [
    ...KS.map((k) => ({ design: 'binary index tree (current)', k, bits: 16, spec: (K: number) => attributionSpec({ candidateSlots: K, featureCount: k, treeDepth: DEPTH }) })),
    ...KS.flatMap((k) => (k >= 64 ? [16, 13] : [16]).map((bits) => ({ design: `4-ary index tree, ${bits}-bit index features`, k, bits, spec: (K: number) => quaternarySpec({ K, k, depth: DEPTH, bits }) }))),
  ]
  for (const x of designs) {
    const c1 = await compileCircuit(x.spec(1), log)
    const c2 = await compileCircuit(x.spec(2), log)
    const K1 = (await readR1cs(c1.r1csPath)).nConstraints
    const K2 = (await readR1cs(c2.r1csPath)).nConstraints
    const powers = [await requiredPower(c1.r1csPath), await requiredPower(c2.r1csPath)]
    costs.push({ design: x.design, k: x.k, bits: x.bits, K1, K2, perCandidate: K2 - K1, circuits: [c1, c2], powers })
    line({ case: 'constraints', design: x.design, k: x.k, indexBits: x.bits, depth: DEPTH, constraintsK1: K1, constraintsK2: K2, perCandidate: K2 - K1, fitsBudget12k: K2 - K1 <= 12000, ptauPowers: powers })
  }
  return costs
}

/**
 * Prove time of K = 1 and K = 2 (best of two runs each, the machine being shared); per candidate =
 * the difference when both fit a prepared 2^14 / 2^15 ptau, else K = 1's time scaled by the
 * candidate's share of its constraints (an estimate, labelled).
 */
async function measureProving(costs: Cost[]): Promise<void> {
  // Another process may be preparing the 2^15 dev ptau (its lock folder exists): wait for its file
  // rather than call ensureDevPtau, whose 30-minute stale-lock rule could start a second, clashing
  // generation of the same ceremony folder.
  const started = Date.now()
  while (!existsSync(devPtauPath(15)) && existsSync(`${devPtauPath(15)}.lock`) && Date.now() - started < PTAU_WAIT_MS) {
    if (Date.now() - started < 1000) console.error('waiting for the 2^15 dev ptau another process is preparing')
    await new Promise((r) => setTimeout(r, 10_000))
  }
  // The 13-bit prototype needs a TS 13-bit packing the witness fixtures do not have: not proven.
  let warmed = false
  for (const c of costs.filter((x) => x.bits === 16)) {
    const seconds: (number | undefined)[] = []
    for (const K of [1, 2]) {
      const circuit = c.circuits[K - 1]
      const power = c.powers[K - 1]
      if (power > 15 || !existsSync(devPtauPath(power))) {
        line({ case: 'prove', design: c.design, k: c.k, K, skipped: `needs 2^${power}; no prepared dev ptau of that size here` })
        seconds.push(undefined)
        continue
      }
      const keys = await ensureDevKeys(circuit, (s) => console.error(s))
      const params = { candidateSlots: K, featureCount: c.k, treeDepth: DEPTH }
      const input = c.design.startsWith('4-ary')
        ? (await quaternaryInput({ params, seed: 3, records: 64 })).input
        : (await randomWitness({ params, seed: 3, records: 64 })).witness.input
      const prove = async () => {
        const t = process.hrtime.bigint()
        const { proof, publicSignals } = await snarkjs.groth16.fullProve(input as any, circuit.wasmPath, keys.zkeyPath)
        const s = Number(process.hrtime.bigint() - t) / 1e9
        if (!(await snarkjs.groth16.verify(keys.verificationKey, publicSignals, proof))) throw new Error(`${c.design} k=${c.k} K=${K}: proof did not verify`)
        return s
      }
      if (!warmed) { await prove(); warmed = true } // the first proof also builds the curve's tables
      const best = Math.min(await prove(), await prove())
      seconds.push(best)
      line({ case: 'prove', design: c.design, k: c.k, K, constraints: K === 1 ? c.K1 : c.K2, ptauPower: power, proveSeconds: +best.toFixed(2) })
    }
    if (seconds[0] !== undefined && seconds[1] !== undefined) {
      c.proveS = seconds[1] - seconds[0]
      c.proveBasis = 'K2 - K1'
    } else if (seconds[0] !== undefined) {
      c.proveS = seconds[0] * (c.perCandidate / c.K1)
      c.proveBasis = 'est. K1 x share'
    }
    if (c.proveS !== undefined) line({ case: 'prove-per-candidate', design: c.design, k: c.k, seconds: +c.proveS.toFixed(2), basis: c.proveBasis })
  }
}

async function main(): Promise<void> {
  const t0 = Date.now()
  console.log(`cores ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, onnxruntime provider cpu, snarkjs 0.7.6, circom2 0.2.23 --O2`)
  console.log(`params: train ${N_TRAIN} + ${N_QUERY} queries (Spam Assassin, balanced, seed 1), d ${d}, l2 ${L2}, subsets ${SUBSETS} x 50%, bootstrap ${BOOTSTRAP} over queries, k ${KS.join('/')}, index bits 16/${INDEX_BITS.join('/')}, depth ${DEPTH}`)
  const quality = args.includes('--skip-quality') ? undefined : await measureQuality()
  const costs = args.includes('--skip-circuits') ? [] : await measureCircuits()
  if (costs.length && !args.includes('--skip-prove')) await measureProving(costs)
  // requiredPower reads the r1cs through snarkjs, whose curve threads keep the process alive.
  await releaseCurve()
  console.log('\nfrontier (whitened-pca = poa default; LDS share of exact IF; constraints per candidate at depth 20)')
  console.log('| k | whitened-pca LDS (x exact) | trak LDS (x exact) | binary index tree | 4-ary, 16-bit | 4-ary, 13-bit | prove s / candidate (binary; 4-ary 16-bit) |')
  console.log('|---|---|---|---|---|---|---|')
  for (const k of KS) {
    const share = (key: string) => (quality && quality.lds[key] !== undefined ? `${quality.lds[key].toFixed(3)} (${(quality.lds[key] / quality.lds.exact).toFixed(2)})` : '-')
    const cost = (prefix: string, bits: number) => costs.find((c) => c.k === k && c.bits === bits && c.design.startsWith(prefix))
    const fmt = (c?: Cost) => (c ? `${c.perCandidate}${c.perCandidate <= 12000 ? '' : ' (> 12k)'}` : '-')
    const b = cost('binary', 16), q = cost('4-ary', 16)
    const s = (c?: Cost) => (c?.proveS !== undefined ? `${c.proveS.toFixed(2)}${c.proveBasis === 'K2 - K1' ? '' : ' (est.)'}` : '-')
    console.log(`| ${k} | ${share(`whitened-pca/${k}`)} | ${share(`trak/${k}`)} | ${fmt(b)} | ${fmt(q)} | ${fmt(cost('4-ary', 13))} | ${s(b)}; ${s(q)} |`)
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

await main()
