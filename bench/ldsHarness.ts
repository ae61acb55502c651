/**
 * The LDS / mislabel-detection harness shared by bench/influence.bench.ts and
 * bench/attributionQuality.bench.ts: the Spam Assassin subset, the full and retrained softmax
 * models, the margins over random 50% subsets, the exact influence function, the onnxruntime
 * features and the small statistics helpers. Nothing here runs on import; the seeded gaussian
 * stream is returned by prepareSpamSplit and must be drawn from in the benches' order (query split,
 * then retraining subsets, then mislabel flips) for the outputs to stay the same.
 */
import { loadSpamAssassin, SPAM_LABELS } from '../prover/dataset/spamAssassin.ts'
import {
  vectorize, densify, trainSoftmax, buildClassifierOnnx, buildProjection, buildFeatureOnnx, createSession, computeFeatures,
  chooseFracBits, quantizeFeatures, gaussNewtonHessian, cholesky, solveLower, solveUpperT, DEFAULT_VECTORIZER, whitenedPcaMatrix,
  type SoftmaxWeights, type SparseVector, type ProjectionKind,
} from '../prover/influence/index.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'

/** L2 regularisation of every trained model. */
export const L2 = 1e-3
/** Hashing vectoriser dimension. */
export const d = DEFAULT_VECTORIZER.dim
/** Classes (ham, spam). */
export const C = 2
/** Head parameter count C * (d + 1) (theta layout of gradients and the Hessian). */
export const n = C * (d + 1)

/** Prints one JSON result line. */
export const line = (o: Record<string, unknown>): void => console.log(JSON.stringify(o))

/** Logits W x + b of one sparse row. */
export function logits(w: SoftmaxWeights, row: SparseVector): number[] {
  const out: number[] = []
  for (let c = 0; c < w.classes; c++) {
    let z = w.b[c]
    for (let j = 0; j < row.indices.length; j++) z += w.W[c * w.dim + row.indices[j]] * row.values[j]
    out.push(z)
  }
  return out
}
/** Numerically stable softmax of a logit vector. */
export function softmax(z: number[]): number[] {
  const m = Math.max(...z)
  const e = z.map((v) => Math.exp(v - m))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / s)
}
/** Dense float64 head gradient (p - onehot(y)) (x) [x, 1] in the projection's theta layout. */
export function gradient(w: SoftmaxWeights, row: SparseVector, y: number): Float64Array {
  const p = softmax(logits(w, row))
  const g = new Float64Array(n)
  for (let c = 0; c < C; c++) {
    const e = p[c] - (c === y ? 1 : 0)
    for (let j = 0; j < row.indices.length; j++) g[c * (d + 1) + row.indices[j]] = e * row.values[j]
    g[c * (d + 1) + d] = e
  }
  return g
}
/** Zero-based ranks, ties given their average rank. */
export function rank(values: ArrayLike<number>): Float64Array {
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
/** Pearson correlation of two equal-length series (0 when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const m = a.length
  let ma = 0, mb = 0
  for (let i = 0; i < m; i++) { ma += a[i] / m; mb += b[i] / m }
  let sab = 0, saa = 0, sbb = 0
  for (let i = 0; i < m; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2 }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb)
}
/** Spearman rank correlation (Pearson of the average ranks). */
export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => pearson(rank(a), rank(b))
/** ROC AUC of scores against boolean positives (Mann-Whitney U over average ranks). */
export function auc(scores: ArrayLike<number>, positive: boolean[]): number {
  const r = rank(scores)
  let sumPos = 0, nPos = 0
  for (let i = 0; i < r.length; i++) if (positive[i]) { sumPos += r[i] + 1; nPos++ }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (r.length - nPos))
}
/** Cholesky factor L (n x n) of the Gauss-Newton Hessian of model w on rows, with l2 = L2. */
export function hessianFactor(w: SoftmaxWeights, rows: SparseVector[]): Float64Array {
  const probs = new Float32Array(rows.length * C)
  rows.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (probs[i * C + c] = p)))
  return cholesky(gaussNewtonHessian({ hidden: densify(rows, d), probs, rows: rows.length, hiddenDim: d, classes: C, l2: L2 }).H, n)
}
/** Dot product of a mostly-zero gradient g with v, skipping g's zeros. */
export function sparseDot(g: Float64Array, v: Float64Array): number {
  let s = 0
  for (let i = 0; i < g.length; i++) if (g[i] !== 0) s += g[i] * v[i]
  return s
}
/** Exact influence scores g_i^T H^-1 g_q of every training gradient against one query gradient gq (consumed). */
export function exactInfluenceScores(L: Float64Array, gTrain: Float64Array[], gq: Float64Array): number[] {
  const v = solveUpperT(L, n, solveLower(L, n, gq))
  return gTrain.map((g) => sparseDot(g, v))
}
/** Integer feature scores <phi_i, phi_q> of every training row against query q (k features each). */
export function intScores(train: Int16Array, query: Int16Array, k: number, q: number): Float64Array {
  const out = new Float64Array(train.length / k)
  for (let i = 0; i < out.length; i++) {
    let s = 0
    for (let t = 0; t < k; t++) s += train[i * k + t] * query[q * k + t]
    out[i] = s
  }
  return out
}
/** Self-influence <phi_i, phi_i> of each of the `rows` training rows (k integer features each). */
export function selfScores(train: Int16Array, k: number, rows: number): Float64Array {
  const self = new Float64Array(rows)
  for (let i = 0; i < rows; i++) for (let t = 0; t < k; t++) self[i] += train[i * k + t] ** 2
  return self
}

/** Float features computed by onnxruntime, with the provider used and the projection build time. */
export type FloatFeatures = { train: Float32Array; query: Float32Array; provider: string; projectionSeconds: number }
/** Float features of train rows (true labels) and queries (predicted labels), computed by onnxruntime. */
export async function onnxFloatFeatures(w: SoftmaxWeights, kind: ProjectionKind, k: number, L: Float64Array | undefined, train: SparseVector[], ytrain: Int32Array, queries: SparseVector[], yq: number[]): Promise<FloatFeatures> {
  let rowsM: Float64Array | undefined
  const tp = Date.now()
  if (kind === 'whitened-pca') {
    const errors = new Float32Array(train.length * C)
    train.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (errors[i * C + c] = p - (ytrain[i] === c ? 1 : 0))))
    rowsM = whitenedPcaMatrix({ L: L!, errors, hidden: densify(train, d), rows: train.length, classes: C, hiddenDim: d, k, seed: 1 })
  }
  const projectionSeconds = (Date.now() - tp) / 1000
  const projection = buildProjection({ kind, k, seed: 1, classes: C, hiddenDim: d, hessianCholesky: L, rows: rowsM })
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
export function quantized(f: { train: Float32Array; query: Float32Array }, bits: number): { train: Int16Array; query: Int16Array; clamped: number; fracBits: number } {
  const fracBits = chooseFracBits(f.train)
  const train = quantizeFeatures(f.train, fracBits - (16 - bits), { clamp: false, where: 'train' }).values
  const q = quantizeFeatures(f.query, fracBits, { clamp: true, where: 'query' })
  const bound = 2 ** (bits - 1)
  if (train.some((v) => v >= bound || v < -bound)) throw new RangeError(`index features exceed ${bits} bits`)
  return { train, query: q.values, clamped: q.clamped, fracBits }
}

/** The benches' data: train rows/labels, held-out queries, the full model, its predictions, and the gaussian stream to keep drawing from. */
export type SpamSplit = {
  gauss: () => number
  rows: SparseVector[]
  y: Int32Array
  qrows: SparseVector[]
  full: Awaited<ReturnType<typeof trainSoftmax>>
  yq: number[]
  heldOutAccuracy: number
}
/** Loads nTrain + nQuery balanced mails (seed 1), holds out a seeded random nQuery (gaussianStream(99)), trains the full model and predicts the queries. */
export async function prepareSpamSplit(nTrain: number, nQuery: number): Promise<SpamSplit> {
  const mails = loadSpamAssassin({ limit: nTrain + nQuery, seed: 1 })
  const gauss = gaussianStream(99)
  const qSet = new Set(mails.map((_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, nQuery).map(([, i]) => i))
  const trainMails = mails.filter((_, i) => !qSet.has(i))
  const queryMails = mails.filter((_, i) => qSet.has(i))
  const rows = trainMails.map((m) => vectorize(m.content))
  const y = Int32Array.from(trainMails, (m) => SPAM_LABELS.indexOf(m.label))
  const qrows = queryMails.map((m) => vectorize(m.content))
  const full = await trainSoftmax({ rows, labels: y, classes: C, dim: d, l2: L2 })
  const yq = qrows.map((r) => { const z = logits(full, r); return z[1] > z[0] ? 1 : 0 })
  const heldOutAccuracy = yq.filter((p, i) => p === SPAM_LABELS.indexOf(queryMails[i].label)).length / nQuery
  return { gauss, rows, y, qrows, full, yq, heldOutAccuracy }
}

/** LDS ground truth: the subset masks and each query's margin under every retrained model. */
export type Retrained = { subsets: Uint8Array[]; margins: Float64Array[]; seconds: number }
/** Retrains on `count` random 50% subsets (drawn from split.gauss) and records each query's margin (predicted class minus the other). */
export async function retrainSubsets(split: SpamSplit, count: number): Promise<Retrained> {
  const { gauss, rows, y, qrows, yq } = split
  const subsets: Uint8Array[] = []
  const margins: Float64Array[] = Array.from({ length: qrows.length }, () => new Float64Array(count))
  const tRetrain = Date.now()
  for (let s = 0; s < count; s++) {
    const mask = new Uint8Array(rows.length)
    const sorted = rows.map(() => gauss()).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
    for (let t = 0; t < rows.length / 2; t++) mask[sorted[t][1]] = 1
    subsets.push(mask)
    const idx = [...mask.keys()].filter((i) => mask[i])
    const w = await trainSoftmax({ rows: idx.map((i) => rows[i]), labels: idx.map((i) => y[i]), classes: C, dim: d, l2: L2 })
    qrows.forEach((r, q) => { const z = logits(w, r); margins[q][s] = z[yq[q]] - z[1 - yq[q]] })
  }
  return { subsets, margins, seconds: (Date.now() - tRetrain) / 1000 }
}
/** Per-query LDS: Spearman between sum_{i in S} score_i(q) over the subsets and the retrained margins. */
export function ldsPerQuery(r: Retrained, score: (q: number) => ArrayLike<number>): Float64Array {
  const perQuery = new Float64Array(r.margins.length)
  for (let q = 0; q < perQuery.length; q++) {
    const tau = score(q)
    const pred = r.subsets.map((mask) => { let s = 0; for (let i = 0; i < mask.length; i++) if (mask[i]) s += tau[i]; return s })
    perQuery[q] = spearman(pred, r.margins[q])
  }
  return perQuery
}

/** The mislabel-detection setup: which rows were flipped, the noisy labels, the model retrained on them and its Hessian factor. */
export type Mislabeled = { flipped: boolean[]; flippedCount: number; yNoisy: Int32Array; noisy: SoftmaxWeights; Ln: Float64Array }
/** Flips 5% of the training labels (drawn from split.gauss), retrains and factors the Hessian. */
export async function flipAndRetrain(split: SpamSplit): Promise<Mislabeled> {
  const { gauss, rows, y } = split
  const flipped = rows.map(() => false)
  const yNoisy = Int32Array.from(y)
  const picks = rows.map((_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, Math.round(rows.length * 0.05))
  for (const [, i] of picks) { flipped[i] = true; yNoisy[i] = 1 - yNoisy[i] }
  const noisy = await trainSoftmax({ rows, labels: yNoisy, classes: C, dim: d, l2: L2 })
  return { flipped, flippedCount: picks.length, yNoisy, noisy, Ln: hessianFactor(noisy, rows) }
}
/** Exact self-influence g_i^T H^-1 g_i = |L^-1 g_i|^2 of every training row under the noisy model. */
export function exactSelfInfluence(m: Mislabeled, rows: SparseVector[]): number[] {
  return rows.map((r, i) => solveLower(m.Ln, n, gradient(m.noisy, r, m.yNoisy[i])).reduce((a, b) => a + b * b, 0))
}
