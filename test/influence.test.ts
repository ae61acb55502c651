import { describe, it, expect, beforeAll } from 'vitest'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import {
  queryInputHash,
  trainModel, createSession, computeFeatures, referenceFeatures, vectorize, chooseFracBits, quantizeFeatures,
  queryModel, scoreIndex, scoreReference, createScoringPool, QueryDimensionError, InputDimensionError,
  checkModelContract, onnx, summarizeScores, summarizeChunk, mergeSummaries, type TrainModelReturnType,
} from '../prover/influence/index.ts'
import { FEATURE_BOUND, queryCommitment } from '../prover/index/featureHash.ts'
import { contentHash } from '../prover/datanet/recordLeaf.ts'

// 200 mails (100 spam, 100 ham) keep a real corpus while the suite stays quick on 2 cores.
const records = loadSpamAssassin({ limit: 200, seed: 7 })
let model: TrainModelReturnType

beforeAll(async () => {
  model = await trainModel({ name: 't', records, projection: { kind: 'trak', k: 32, seed: 3 } })
})

describe('gradient features', () => {
  it('computes the same features through onnxruntime-node as the plain TS reference, within the quantisation bound', async () => {
    const { session, provider } = await createSession({ bytes: model.featureBytes, provider: 'cpu' })
    try {
      expect(provider).toBe('cpu')
      const rows = records.map((r) => vectorize(r.content))
      const labels = records.map((r) => (r.label === 'spam' ? 1 : 0))
      const out = await computeFeatures({ session, inputName: 'input', probsName: 'probs', inputDim: 1024, k: 32, classes: 2, rows, labels, batchSize: 64 })
      const fracBits = chooseFracBits(out.features)
      const { values } = quantizeFeatures(out.features, fracBits, { clamp: false, where: 'onnx' })
      const contract = checkModelContract(model.modelBytes)
      const P = readProjection(model.featureBytes)
      let maxFloatErr = 0
      let maxIntErr = 0
      rows.forEach((row, i) => {
        const ref = referenceFeatures({ row, label: labels[i], headW: contract.headW, headB: contract.headB, classes: 2, dim: 1024, projection: P, k: 32 })
        for (let t = 0; t < 32; t++) {
          maxFloatErr = Math.max(maxFloatErr, Math.abs(ref.features[t] - out.features[i * 32 + t]))
          const refQ = Number(quantizeFeatures([ref.features[t]], fracBits, { clamp: false, where: 'ref' }).values[0])
          maxIntErr = Math.max(maxIntErr, Math.abs(refQ - values[i * 32 + t]))
        }
      })
      // float32 ONNX vs float64 TS: far below one quantisation step, so the integers differ by at most 1.
      expect(maxFloatErr).toBeLessThan(2 ** -(fracBits + 1))
      expect(maxIntErr).toBeLessThanOrEqual(1)
    } finally {
      await session.release()
    }
  })

  it('falls back to the CPU provider with a notice when CUDA is requested but unavailable', async () => {
    const notices: string[] = []
    const { session, provider, fallbackReason } = await createSession({ bytes: model.modelBytes, provider: 'cuda', onNotice: (m) => notices.push(m) })
    await session.release()
    if (provider === 'cuda') return // a machine with CUDA libraries: nothing to fall back from
    expect(provider).toBe('cpu')
    expect(fallbackReason).toBeTruthy()
    expect(notices.join('\n')).toMatch(/falling back to CPU/)
  })
})

describe('queries', () => {
  it('predicts, quantises phi_q within the bound and commits it', async () => {
    const spam = records.find((r) => r.label === 'spam')!
    const q = await queryModel({ model, text: spam.content, featureFracBits: 10 })
    expect(q.prediction.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    expect(q.prediction.label).toBe(['ham', 'spam'][q.prediction.class])
    expect(q.features).toHaveLength(32)
    for (const f of q.features) expect(f <= FEATURE_BOUND && f >= -FEATURE_BOUND).toBe(true)
    // The inputHash binds the text, the vectoriser and the attributed class (the predicted one here).
    expect(q.target).toEqual({ class: q.prediction.class, label: q.prediction.label, predicted: true })
    expect(q.inputHash).toBe(queryInputHash({ vectorizer: model.manifest.vectorizer, classIndex: q.prediction.class, input: spam.content }))
    expect(q.inputHash).not.toBe(contentHash(spam.content))
    expect(q.queryCommitment).toBe(await queryCommitment({ inputHash: q.inputHash, features: q.features }))
  })

  it('rejects a raw query vector of the wrong dimension', async () => {
    await expect(queryModel({ model, vector: new Float32Array(1000), featureFracBits: 10 })).rejects.toThrow(InputDimensionError)
    await expect(queryModel({ model, vector: new Float32Array(1000), featureFracBits: 10 })).rejects.toThrow(/dimension 1000: expected 1024/)
  })
})

describe('scoring', () => {
  // Seeded random features at the full bound, plus deliberate ties, against a bigint brute force.
  function randomIndex(count: number, k: number, seed: number): Int16Array {
    let s = seed
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)
    const f = new Int16Array(count * k)
    for (let i = 0; i < f.length; i++) f[i] = Math.round((next() * 2 - 1) * Number(FEATURE_BOUND))
    f.copyWithin(5 * k, 2 * k, 3 * k) // record 5 duplicates record 2: a tie, broken by position
    return f
  }

  it('returns the same top-K as a brute-force bigint sort, ties broken by lower position', async () => {
    const k = 16
    const features = randomIndex(1001, k, 42)
    const query = Array.from(features.subarray(2 * k, 3 * k), (v) => BigInt(v))
    const pool = createScoringPool({ workers: 2 })
    try {
      const result = await pool.score({ features, k, query, topK: 10 })
      const brute = scoreReference({ features, k, query })
        .map((score, position) => ({ position, score }))
        .sort((a, b) => (a.score === b.score ? a.position - b.position : a.score > b.score ? -1 : 1))
        .slice(0, 10)
      expect(result.top).toEqual(brute)
      expect(result.top[0].position).toBe(2)
      expect(result.top[1].position).toBe(5)
      const all = scoreReference({ features, k, query })
      expect(result.distribution.count).toBe(1001)
      expect(result.distribution.positive).toBe(all.filter((s) => s > 0n).length)
      expect(BigInt(result.distribution.max)).toBe(all.reduce((a, b) => (a > b ? a : b)))
      expect(result.distribution.positiveSum).toBe(all.reduce((a, b) => a + (b > 0n ? b : 0n), 0n))
      // Worst case |score| = k * bound^2 stays an exact double.
      expect(16 * Number(FEATURE_BOUND) ** 2).toBeLessThan(2 ** 53)
    } finally {
      await pool.destroy()
    }
  })

  it('summarises exactly: nearest-rank quantiles and a positive sum beyond 2^53', () => {
    const scores = Float64Array.from([2 ** 52, 2 ** 52, -5, 2 ** 52, 3, 0, -(2 ** 40)])
    const d = summarizeScores(scores)
    expect(d.positiveSum).toBe(3n * 2n ** 52n + 3n)
    expect(d.positive).toBe(4)
    expect([d.min, d.max]).toEqual([-(2 ** 40), 2 ** 52])
    const sorted = Array.from(scores).sort((a, b) => a - b)
    expect(d.quantiles.p50).toBe(sorted[Math.ceil(0.5 * 7) - 1])
    expect(d.quantiles.p01).toBe(sorted[0])
    expect(d.quantiles.p99).toBe(sorted[6])
    // Split into runs, merged: the same summary (the mean is a float, summed in another order).
    const merged = mergeSummaries([summarizeChunk(scores.subarray(0, 3)), summarizeChunk(scores.subarray(3))])
    expect({ ...merged, mean: 0 }).toEqual({ ...d, mean: 0 })
    expect(merged.mean / d.mean).toBeCloseTo(1, 12)
  })

  it('gives the same result with one worker as with two', async () => {
    const features = randomIndex(333, 8, 9)
    const query = Array.from({ length: 8 }, (_, t) => BigInt(t * 1000 - 3000))
    const one = await scoreIndex({ features, k: 8, query, topK: 7, workers: 1 })
    const two = await scoreIndex({ features, k: 8, query, topK: 7, workers: 2 })
    expect(one.top).toEqual(two.top)
    expect(one.distribution).toEqual(two.distribution)
  })

  it('rejects a query of the wrong dimension', async () => {
    const features = randomIndex(10, 8, 1)
    await expect(scoreIndex({ features, k: 8, query: [1n, 2n, 3n], topK: 3, workers: 1 })).rejects.toThrow(QueryDimensionError)
    await expect(scoreIndex({ features, k: 8, query: [1n, 2n, 3n], topK: 3, workers: 1 })).rejects.toThrow(/dimension 3: expected k = 8/)
  })
})

/** The committed projection read back out of the features ONNX file ([C, h+1, k] layout). */
function readProjection(bytes: Uint8Array): Float32Array {
  const g = onnx.ModelProto.decode(bytes).graph as any
  const get = (name: string) => {
    const t = g.initializer.find((x: any) => x.name === name)
    const raw = new Uint8Array(t.rawData)
    return { dims: t.dims.map(Number) as number[], data: new Float32Array(raw.buffer, 0, raw.length / 4) }
  }
  const w = get('poa.P_w')
  const b = get('poa.P_b')
  const [C, h, k] = w.dims
  const out = new Float32Array(C * (h + 1) * k)
  for (let c = 0; c < C; c++) {
    out.set(w.data.subarray(c * h * k, (c + 1) * h * k), c * (h + 1) * k)
    out.set(b.data.subarray(c * k, (c + 1) * k), (c * (h + 1) + h) * k)
  }
  return out
}
