import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createOnnxScoringPool, createScoringBackend, createScoringPool, OnnxScoringMismatchError, QueryDimensionError, ScoreParameterError,
  type ScoreReturnType, type ScoringPool,
} from '../prover/influence/index.ts'

// onnxruntime scoring (prover/influence/onnxScoring.ts) on its CPU execution provider against the
// native kernel: same top-K, scores and distribution, at the int16 extremes and with ties. CUDA is
// never available here, so asking for it exercises the fallbacks.
function seeded(seed: number) {
  let s = seed
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32
}

function randomIndex(count: number, k: number, seed: number): Int16Array {
  const next = seeded(seed)
  const f = new Int16Array(count * k)
  for (let i = 0; i < f.length; i++) f[i] = Math.round((next() * 2 - 1) * 32767)
  f.fill(32767, 0, k)
  f.fill(-32767, 3 * k, 4 * k)
  // Duplicates of record 10 (ties broken by position) and a run of all-zero records (a tie at 0).
  for (const copy of [11, 12, 40, 41, 77]) f.copyWithin(copy * k, 10 * k, 11 * k)
  f.fill(0, 50 * k, 60 * k)
  return f
}

function randomQueries(q: number, k: number, seed: number): Int16Array[] {
  const next = seeded(seed)
  return Array.from({ length: q }, (_, j) => {
    const query = Int16Array.from({ length: k }, () => Math.round((next() * 2 - 1) * 32767))
    if (j === 0) query.fill(-32767)
    if (j === 1) query.fill(32767)
    if (j === 2) query.fill(0) // every score 0: the top-K is the K lowest positions
    return query
  })
}

const K = 128
const COUNT = 300
const features = randomIndex(COUNT, K, 7)
const queries = randomQueries(6, K, 11)
const tmp = mkdtempSync(join(tmpdir(), 'poa-onnx-scoring-'))
const native = createScoringPool({ workers: 1, kernel: 'native' })
const pools: ScoringPool[] = []
const notices: string[] = []
function onnxPool(provider: 'cpu' | 'cuda'): ScoringPool {
  const pool = createOnnxScoringPool({ provider, fallback: createScoringPool({ workers: 1 }), onNotice: (m) => notices.push(m) })
  pools.push(pool)
  return pool
}

afterAll(async () => {
  await Promise.all([native, ...pools].map((p) => p.destroy()))
  rmSync(tmp, { recursive: true, force: true })
})

const withoutKernel = ({ top, distribution }: ScoreReturnType) => ({ top, distribution })

describe('onnxruntime scoring (CPU execution provider) equals the native kernel', () => {
  const cpu = onnxPool('cpu')

  for (const [topK, quantileSample] of [[8, undefined], [5, 7], [COUNT + 20, Infinity]] as const) {
    it(`a batch of ${queries.length} and each query alone, topK ${topK}, quantileSample ${quantileSample}`, async () => {
      const want = await native.scoreBatch({ features, k: K, queries, topK, quantileSample })
      const batch = await cpu.scoreBatch({ features, k: K, queries, topK, quantileSample })
      expect(batch.map(withoutKernel)).toEqual(want.map(withoutKernel))
      expect(batch[0].kernel).toEqual({ kind: 'onnx', provider: 'cpu' })
      for (const [j, query] of queries.entries()) expect(withoutKernel(await cpu.score({ features, k: K, query, topK, quantileSample }))).toEqual(withoutKernel(want[j]))
      // The all-zero query ties every record at 0: the lowest positions win, whatever TopK returned.
      expect(batch[2].top.map((r) => r.position)).toEqual(Array.from({ length: Math.min(topK, COUNT) }, (_, i) => i))
      expect(batch[1].top[0]).toEqual({ position: 0, score: 128n * 32767n * 32767n })
    })
  }

  it('scores from the features file (k = 24) as from memory', async () => {
    const k = 24
    const small = randomIndex(97, k, 3)
    const path = join(tmp, 'features.i16')
    writeFileSync(path, small)
    const qs = randomQueries(3, k, 5)
    const want = await native.scoreBatch({ features: small, k, queries: qs, topK: 6 })
    expect((await cpu.scoreBatch({ features: { path }, k, queries: qs, topK: 6 })).map(withoutKernel)).toEqual(want.map(withoutKernel))
    const info = await (cpu as ReturnType<typeof createOnnxScoringPool>).prepare({ features: { path }, k })
    expect(info).toMatchObject({ provider: 'cpu', count: 97, k, residentBytes: 97 * k * 8 })
  })

  it('rejects bad input with the field named', async () => {
    await expect(cpu.score({ features, k: 127, query: queries[0].subarray(0, 127), topK: 3 })).rejects.toThrow(ScoreParameterError)
    await expect(cpu.score({ features, k: K, query: queries[0].subarray(0, 5), topK: 3 })).rejects.toThrow(QueryDimensionError)
    await expect(cpu.score({ features, k: K, query: Array(K).fill(40000n), topK: 3 })).rejects.toThrow(/query\[0\] = 40000/)
    await expect(cpu.score({ features, k: K, query: queries[0], topK: 0 })).rejects.toThrow(/topK = 0/)
  })

  it('catches features changed after the session uploaded them (every candidate is rescored on the CPU)', async () => {
    const mutable = features.slice()
    const pool = onnxPool('cpu')
    await pool.score({ features: mutable, k: K, query: queries[3], topK: 4 })
    mutable.fill(1, 0, 4 * K)
    mutable.fill(1, 50 * K, 60 * K)
    await expect(pool.score({ features: mutable, k: K, query: queries[1], topK: 4 })).rejects.toThrow(OnnxScoringMismatchError)
  })
})

describe('CUDA asked for where it is unavailable', () => {
  it("scoring 'onnx' on cuda falls back to onnxruntime's CPU provider, says why, and scores right", async () => {
    const pool = onnxPool('cuda')
    const want = await native.scoreBatch({ features, k: K, queries, topK: 8 })
    const got = await pool.scoreBatch({ features, k: K, queries, topK: 8 })
    expect(got.map(withoutKernel)).toEqual(want.map(withoutKernel))
    expect(got[0].kernel).toMatchObject({ kind: 'onnx', provider: 'cpu', fallbackReason: expect.stringMatching(/\S/) })
    expect(notices.some((m) => /CUDA execution provider unavailable/.test(m))).toBe(true)
  })

  it("scoring 'auto' on cuda uses the native kernel instead and reports the CUDA failure", async () => {
    const auto = createScoringBackend({ scoring: 'auto', provider: 'cuda', workers: 1, onNotice: () => {} })
    pools.push(auto)
    const want = await native.scoreBatch({ features, k: K, queries, topK: 8 })
    const got = await auto.scoreBatch({ features, k: K, queries, topK: 8 })
    expect(got.map(withoutKernel)).toEqual(want.map(withoutKernel))
    expect(got[0].kernel).toMatchObject({ kind: 'native', onnxFallback: expect.stringMatching(/CUDA execution provider is unavailable: \S/) })
  })

  it("scoring 'auto' without a CUDA request is the native pool, and 'native' always is", async () => {
    for (const scoring of ['auto', 'native'] as const) {
      const pool = createScoringBackend({ scoring, provider: 'cpu', workers: 1 })
      pools.push(pool)
      expect((await pool.score({ features, k: K, query: queries[3], topK: 3 })).kernel).toMatchObject({ kind: 'native' })
    }
  })
})
