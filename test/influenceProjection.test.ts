import { describe, it, expect } from 'vitest'
import { loadSpamAssassin, SPAM_LABELS } from '../prover/dataset/spamAssassin.ts'
import {
  vectorize, densify, trainSoftmax, gaussNewtonHessian, cholesky, solveLower, solveUpperT, whitenedPcaMatrix,
  buildProjection, referenceFeatures, ProjectionParameterError, prepareAttribution, buildClassifierOnnx, DEFAULT_VECTORIZER,
} from '../prover/influence/index.ts'

// A tiny vectoriser (d = 16, n = 2 x 17 = 34 head parameters) so the projection can be full rank.
const vectorizer = { ...DEFAULT_VECTORIZER, dim: 16 }
const d = 16
const C = 2
const n = C * (d + 1)
const L2 = 1e-2

async function setup() {
  const mails = loadSpamAssassin({ limit: 80, seed: 5 })
  const rows = mails.map((m) => vectorize(m.content, vectorizer))
  const y = Int32Array.from(mails, (m) => SPAM_LABELS.indexOf(m.label))
  const w = await trainSoftmax({ rows, labels: y, classes: C, dim: d, l2: L2 })
  const probs = new Float32Array(rows.length * C)
  rows.forEach((r, i) => {
    const z = [0, 1].map((c) => w.b[c] + Array.from(r.indices).reduce((s, j, t) => s + w.W[c * d + j] * r.values[t], 0))
    const m = Math.max(...z)
    const e = z.map((v) => Math.exp(v - m))
    e.forEach((v, c) => (probs[i * C + c] = v / (e[0] + e[1])))
  })
  const hidden = densify(rows, d)
  const L = cholesky(gaussNewtonHessian({ hidden, probs, rows: rows.length, hiddenDim: d, classes: C, l2: L2 }).H, n)
  const errors = new Float32Array(rows.length * C)
  for (let i = 0; i < rows.length; i++) for (let c = 0; c < C; c++) errors[i * C + c] = probs[i * C + c] - (y[i] === c ? 1 : 0)
  const grad = (i: number) => {
    const g = new Float64Array(n)
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < d; j++) g[c * (d + 1) + j] = errors[i * C + c] * hidden[i * d + j]
      g[c * (d + 1) + d] = errors[i * C + c]
    }
    return g
  }
  return { rows, y, w, L, errors, hidden, grad }
}

describe('whitened projections', () => {
  it('reproduces the exact influence function g_q^T H^-1 g_i when whitened-pca is full rank', async () => {
    const { rows, y, w, L, errors, hidden, grad } = await setup()
    const M = whitenedPcaMatrix({ L, errors, hidden, rows: rows.length, classes: C, hiddenDim: d, k: n, seed: 3 })
    const projection = buildProjection({ kind: 'whitened-pca', k: n, seed: 3, classes: C, hiddenDim: d, rows: M })
    let worst = 0
    for (const [q, i] of [[0, 1], [5, 9], [17, 17], [30, 2]]) {
      const exact = grad(q).reduce((s, v, t) => s + v * solveUpperT(L, n, solveLower(L, n, grad(i)))[t], 0)
      const fq = referenceFeatures({ row: rows[q], label: y[q], headW: w.W, headB: w.b, classes: C, dim: d, projection: projection.matrix, k: n }).features
      const fi = referenceFeatures({ row: rows[i], label: y[i], headW: w.W, headB: w.b, classes: C, dim: d, projection: projection.matrix, k: n }).features
      const approx = fq.reduce((s, v, t) => s + v * fi[t], 0)
      worst = Math.max(worst, Math.abs(approx - exact) / Math.max(1e-9, Math.abs(exact)))
    }
    // float32 storage of M bounds the agreement, not the method.
    expect(worst).toBeLessThan(1e-3)
  })

  it('rejects a whitened projection without training data, and an unknown kind', async () => {
    const w = { classes: 2, dim: d, W: new Float64Array(2 * d), b: new Float64Array(2) }
    const modelBytes = buildClassifierOnnx({ weights: w, vectorizer, labels: ['ham', 'spam'] })
    await expect(prepareAttribution({ modelBytes, kind: 'whitened-pca', k: 4, seed: 1, damping: 1e-3 })).rejects.toThrow(ProjectionParameterError)
    expect(() => buildProjection({ kind: 'nope' as never, k: 4, seed: 1, classes: 2, hiddenDim: d })).toThrow(/projection kind = nope: expected "trak" or "whitened-trak" or "whitened-pca"/)
    expect(() => buildProjection({ kind: 'trak', k: 0, seed: 1, classes: 2, hiddenDim: d })).toThrow(/projection k = 0/)
  })
})
