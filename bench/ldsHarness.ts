/**
 * The LDS / mislabel-detection harness shared by bench/influence.bench.ts,
 * bench/attributionQuality.bench.ts and bench/datasetQuality.bench.ts: a data set split into
 * training records and held-out queries (any texts, any number of classes, any vectoriser spec;
 * prepareSpamSplit is the Spam Assassin one), the full and retrained softmax models, the margins
 * over random 50% subsets, the exact influence function, the onnxruntime features and the small
 * statistics helpers. Every shape (classes C, input width d, n = C (d + 1)) is read from the trained
 * weights. Nothing here runs on import; the seeded gaussian stream is returned by prepareSplit and
 * must be drawn from in the benches' order (query split, then retraining subsets, then mislabel
 * flips) for the outputs to stay the same.
 */
import { loadSpamAssassin, SPAM_LABELS } from '../prover/dataset/spamAssassin.ts'
import { mulberry32 } from '../prover/dataset/mulberry32.ts'
import {
  vectorize, densify, trainSoftmax, buildClassifierOnnx, buildProjection, buildFeatureOnnx, createSession, computeFeatures,
  chooseFracBits, quantizeFeatures, gaussNewtonHessian, cholesky, solveLower, solveUpperT, DEFAULT_VECTORIZER, whitenedPcaMatrix,
  type SoftmaxWeights, type SparseVector, type ProjectionKind, type VectorizerConfig,
} from '../prover/influence/index.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'

/** L2 regularisation of every trained model (the product's DEFAULT_L2). */
export const L2 = 1e-3
/** Input width of the Spam Assassin benches (the default hashing vectoriser). */
export const d = DEFAULT_VECTORIZER.dim

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
/** Index of the largest logit (the first on a tie): the predicted class. */
export function argmax(z: number[]): number {
  let best = 0
  for (let c = 1; c < z.length; c++) if (z[c] > z[best]) best = c
  return best
}
/**
 * The measurement whose change LDS predicts: the logit of class y minus the log-sum-exp of the other
 * logits, log(p_y / (1 - p_y)); for two classes z_y - z_other. Its gradient is the loss gradient
 * (p - onehot(y)) (x) [x, 1] divided by -(1 - p_y), so the influence scores built on loss gradients
 * rank subsets for it (Spearman ignores the positive per-query factor).
 */
export function margin(z: number[], y: number): number {
  if (z.length === 2) return z[y] - z[1 - y]
  let m = -Infinity
  for (let c = 0; c < z.length; c++) if (c !== y) m = Math.max(m, z[c])
  let s = 0
  for (let c = 0; c < z.length; c++) if (c !== y) s += Math.exp(z[c] - m)
  return z[y] - (m + Math.log(s))
}
/** Head parameter count C (d + 1) of a model (theta layout of gradients and the Hessian). */
export const paramCount = (w: Pick<SoftmaxWeights, 'classes' | 'dim'>): number => w.classes * (w.dim + 1)
/** Dense float64 head gradient (p - onehot(y)) (x) [x, 1] in the projection's theta layout. */
export function gradient(w: SoftmaxWeights, row: SparseVector, y: number): Float64Array {
  const p = softmax(logits(w, row))
  const { classes: C, dim: d } = w
  const g = new Float64Array(paramCount(w))
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
/** Mean and 95% percentile-bootstrap interval over queries (`resamples` resamples drawn from mulberry32(7)). */
export function meanWithInterval(perQuery: Float64Array, resamples = 2000): { mean: number; lo: number; hi: number } {
  const next = mulberry32(7)
  const m = perQuery.length
  const means = new Float64Array(resamples)
  for (let b = 0; b < resamples; b++) {
    let s = 0
    for (let i = 0; i < m; i++) s += perQuery[Math.floor(next() * m)]
    means[b] = s / m
  }
  means.sort()
  return { mean: perQuery.reduce((a, b) => a + b, 0) / m, lo: means[Math.floor(0.025 * resamples)], hi: means[Math.ceil(0.975 * resamples) - 1] }
}
/** ROC AUC of scores against boolean positives (Mann-Whitney U over average ranks). */
export function auc(scores: ArrayLike<number>, positive: boolean[]): number {
  const r = rank(scores)
  let sumPos = 0, nPos = 0
  for (let i = 0; i < r.length; i++) if (positive[i]) { sumPos += r[i] + 1; nPos++ }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (r.length - nPos))
}
/** Cholesky factor L (n x n) of the Gauss-Newton Hessian of model w on rows, with l2 = L2. */
export function hessianFactor(w: SoftmaxWeights, rows: SparseVector[]): Float64Array {
  const { classes: C, dim: d } = w
  const probs = new Float32Array(rows.length * C)
  rows.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (probs[i * C + c] = p)))
  return cholesky(gaussNewtonHessian({ hidden: densify(rows, d), probs, rows: rows.length, hiddenDim: d, classes: C, l2: L2 }).H, paramCount(w))
}
/** Dot product of a mostly-zero gradient g with v, skipping g's zeros. */
export function sparseDot(g: Float64Array, v: Float64Array): number {
  let s = 0
  for (let i = 0; i < g.length; i++) if (g[i] !== 0) s += g[i] * v[i]
  return s
}
/** Exact influence scores g_i^T H^-1 g_q of every training gradient against one query gradient gq (consumed). */
export function exactInfluenceScores(L: Float64Array, gTrain: Float64Array[], gq: Float64Array): number[] {
  const n = gq.length
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
/** What the classifier ONNX file records besides its weights: the vectoriser and the class names. */
export type ModelSpec = { vectorizer: VectorizerConfig; labels: readonly string[] }
/** The Spam Assassin benches' model: hashing-v1 at d = 1024, classes ham and spam. */
export const SPAM_MODEL: ModelSpec = { vectorizer: DEFAULT_VECTORIZER, labels: SPAM_LABELS }
/** Float features of train rows (true labels) and queries (predicted labels), computed by onnxruntime. */
export async function onnxFloatFeatures(w: SoftmaxWeights, kind: ProjectionKind, k: number, L: Float64Array | undefined, train: SparseVector[], ytrain: Int32Array, queries: SparseVector[], yq: number[], model: ModelSpec = SPAM_MODEL): Promise<FloatFeatures> {
  const { classes: C, dim: d } = w
  let rowsM: Float64Array | undefined
  const tp = Date.now()
  if (kind === 'whitened-pca') {
    const errors = new Float32Array(train.length * C)
    train.forEach((r, i) => softmax(logits(w, r)).forEach((p, c) => (errors[i * C + c] = p - (ytrain[i] === c ? 1 : 0))))
    rowsM = whitenedPcaMatrix({ L: L!, errors, hidden: densify(train, d), rows: train.length, classes: C, hiddenDim: d, k, seed: 1 })
  }
  const projectionSeconds = (Date.now() - tp) / 1000
  const projection = buildProjection({ kind, k, seed: 1, classes: C, hiddenDim: d, hessianCholesky: L, rows: rowsM })
  const modelBytes = buildClassifierOnnx({ weights: w, vectorizer: model.vectorizer, labels: [...model.labels] })
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

/** A labelled text data set: texts[i] has class labels[i], an index into classNames. */
export type TextDataset = { texts: readonly string[]; labels: ArrayLike<number>; classNames: readonly string[] }
/** The benches' data: train rows/labels, held-out queries, the full model, its predictions, and the gaussian stream to keep drawing from. */
export type LdsSplit = {
  gauss: () => number
  /** Vectoriser and class names (the classifier ONNX file's metadata). */
  model: ModelSpec
  rows: SparseVector[]
  y: Int32Array
  qrows: SparseVector[]
  /** The queries' true classes. */
  yqTrue: Int32Array
  full: Awaited<ReturnType<typeof trainSoftmax>>
  /** The full model's predicted class of each query (the class attributed, as the product does by default). */
  yq: number[]
  heldOutAccuracy: number
}
/**
 * Holds out a seeded random nQuery of the data set (gaussianStream(seed): one draw per record, the
 * nQuery smallest are the queries), vectorises with `vectorizer`, trains the full model (l2 = L2)
 * and predicts the queries.
 */
export async function prepareSplit(data: TextDataset, vectorizer: VectorizerConfig, nQuery: number, seed = 99): Promise<LdsSplit> {
  const gauss = gaussianStream(seed)
  const N = data.texts.length
  const qSet = new Set(Array.from({ length: N }, (_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, nQuery).map(([, i]) => i))
  const trainIdx = [...Array(N).keys()].filter((i) => !qSet.has(i))
  const queryIdx = [...Array(N).keys()].filter((i) => qSet.has(i))
  const rows = trainIdx.map((i) => vectorize(data.texts[i], vectorizer))
  const y = Int32Array.from(trainIdx, (i) => data.labels[i])
  const qrows = queryIdx.map((i) => vectorize(data.texts[i], vectorizer))
  const yqTrue = Int32Array.from(queryIdx, (i) => data.labels[i])
  const C = data.classNames.length
  const full = await trainSoftmax({ rows, labels: y, classes: C, dim: vectorizer.dim, l2: L2 })
  const yq = qrows.map((r) => argmax(logits(full, r)))
  const heldOutAccuracy = yq.filter((p, i) => p === yqTrue[i]).length / nQuery
  return { gauss, model: { vectorizer, labels: data.classNames }, rows, y, qrows, yqTrue, full, yq, heldOutAccuracy }
}
/** Loads nTrain + nQuery balanced mails (seed 1), holds out a seeded random nQuery (gaussianStream(99)), trains the full model and predicts the queries. */
export async function prepareSpamSplit(nTrain: number, nQuery: number): Promise<LdsSplit> {
  const mails = loadSpamAssassin({ limit: nTrain + nQuery, seed: 1 })
  const data = { texts: mails.map((m) => m.content), labels: mails.map((m) => SPAM_LABELS.indexOf(m.label)), classNames: SPAM_LABELS }
  return prepareSplit(data, DEFAULT_VECTORIZER, nQuery)
}

/** LDS ground truth: the subset masks and each query's margin under every retrained model. */
export type Retrained = { subsets: Uint8Array[]; margins: Float64Array[]; seconds: number }
/** Retrains on `count` random 50% subsets (drawn from split.gauss) and records each query's margin (`margin`: predicted class against the others). */
export async function retrainSubsets(split: LdsSplit, count: number): Promise<Retrained> {
  const { gauss, rows, y, qrows, yq, full } = split
  const subsets: Uint8Array[] = []
  const margins: Float64Array[] = Array.from({ length: qrows.length }, () => new Float64Array(count))
  const tRetrain = Date.now()
  for (let s = 0; s < count; s++) {
    const mask = new Uint8Array(rows.length)
    const sorted = rows.map(() => gauss()).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
    for (let t = 0; t < rows.length / 2; t++) mask[sorted[t][1]] = 1
    subsets.push(mask)
    const idx = [...mask.keys()].filter((i) => mask[i])
    const w = await trainSoftmax({ rows: idx.map((i) => rows[i]), labels: idx.map((i) => y[i]), classes: full.classes, dim: full.dim, l2: L2 })
    qrows.forEach((r, q) => { margins[q][s] = margin(logits(w, r), yq[q]) })
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
/**
 * Flips 5% of the training labels (which ones: drawn from split.gauss), retrains and factors the
 * Hessian. With two classes a flip is the other class; with more, a uniformly random other class
 * (mulberry32(5), one draw per flipped row in pick order; the gaussian stream is not drawn from).
 */
export async function flipAndRetrain(split: LdsSplit): Promise<Mislabeled> {
  const { gauss, rows, y, full } = split
  const C = full.classes
  const flipped = rows.map(() => false)
  const yNoisy = Int32Array.from(y)
  const picks = rows.map((_, i) => [gauss(), i] as const).sort((a, b) => a[0] - b[0]).slice(0, Math.round(rows.length * 0.05))
  const other = mulberry32(5)
  for (const [, i] of picks) { flipped[i] = true; yNoisy[i] = C === 2 ? 1 - yNoisy[i] : (yNoisy[i] + 1 + Math.floor(other() * (C - 1))) % C }
  const noisy = await trainSoftmax({ rows, labels: yNoisy, classes: C, dim: full.dim, l2: L2 })
  return { flipped, flippedCount: picks.length, yNoisy, noisy, Ln: hessianFactor(noisy, rows) }
}
/** Exact self-influence g_i^T H^-1 g_i = |L^-1 g_i|^2 of every training row under the noisy model. */
export function exactSelfInfluence(m: Mislabeled, rows: SparseVector[]): number[] {
  const n = paramCount(m.noisy)
  return rows.map((r, i) => solveLower(m.Ln, n, gradient(m.noisy, r, m.yNoisy[i])).reduce((a, b) => a + b * b, 0))
}
