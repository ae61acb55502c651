import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createScoringPool, loadNativeScoring, NativeScoringUnavailableError, QUANTILE_SAMPLE, IN_THREAD_MAX_PRODUCTS, scoreReference, scoreShardJs,
  type NativeScoringAddon, type ScoreReturnType, type ShardScores,
} from '../prover/influence/index.ts'

// Seeded features at the full int16 range (-2^15 included: the index format allows it), with
// records of all +(2^15 - 1) and all -2^15 and duplicated records (ties broken by position).
const SEED = 20261130
function randomIndex(count: number, k: number, seed: number): Int16Array {
  let s = seed
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32
  const f = new Int16Array(count * k)
  for (let i = 0; i < f.length; i++) f[i] = Math.floor(next() * 65536) - 32768
  f.fill(32767, 0, k)
  f.fill(-32768, 3 * k, 4 * k)
  for (const copy of [11, 12, 40]) f.copyWithin(copy * k, 10 * k, 11 * k)
  return f
}

function randomQueries(q: number, k: number, seed: number): Int32Array {
  let s = seed
  const next = () => (s = (Math.imul(s, 22695477) + 1) >>> 0) / 2 ** 32
  const out = new Int32Array(q * k)
  for (let i = 0; i < out.length; i++) out[i] = Math.round((next() * 2 - 1) * 32767)
  out.fill(-32767, 0, k) // query 0 at the negative bound: record 3 (all -2^15) scores k 2^15 (2^15 - 1)
  return out
}

/** What every kernel must return for query j over [start, end), from the bigint reference. */
function expected(features: Int16Array, k: number, start: number, end: number, query: Int32Array, topK: number, stride: number) {
  const all = scoreReference({ features, k, query: Array.from(query, BigInt) }).slice(start, end)
  const order = all.map((score, i) => ({ position: i + start, score })).sort((a, b) => (a.score === b.score ? a.position - b.position : a.score > b.score ? -1 : 1))
  return {
    top: order.slice(0, topK).map((x) => `${x.position}:${x.score}`),
    count: end - start,
    positive: all.filter((x) => x > 0n).length,
    sum: all.reduce((a, b) => a + b, 0n),
    positiveSum: all.reduce((a, b) => a + (b > 0n ? b : 0n), 0n),
    min: Number(order[order.length - 1].score),
    max: Number(order[0].score),
    sample: all.filter((_, i) => (i + start) % stride === 0).map(Number),
  }
}

function comparable(s: ShardScores) {
  return {
    top: Array.from(s.positions, (p, i) => `${p}:${s.scores[i]}`),
    count: s.count, positive: s.positive, sum: s.sum, positiveSum: s.positiveSum, min: s.min, max: s.max, sample: Array.from(s.sample),
  }
}

let addon: NativeScoringAddon | undefined
let nativeReason: string | undefined
const tmp = mkdtempSync(join(tmpdir(), 'poa-scoring-'))

beforeAll(async () => {
  const status = await loadNativeScoring()
  addon = status.native?.addon
  nativeReason = status.reason
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('scoring kernels', () => {
  it('builds the native kernel here (cc and node_api.h are present), or says why not', () => {
    expect(nativeReason).toBeUndefined()
    expect(addon?.isa).toMatch(/^(avx512vnni|avxvnni|avx2|scalar)$/)
  })

  // k = 128 and 64: SIMD groups of 4 records plus a tail (512-bit where the CPU has AVX-512);
  // 160: two 512-bit segments; 144: two 256-bit segments; 40: the scalar path.
  for (const [k, count, topK] of [[128, 203, 9], [64, 77, 200], [160, 33, 5], [144, 30, 4], [40, 50, 7]] as const) {
    it(`native and JS kernels equal the bigint reference at k = ${k} (batch of 3, shard [5, count - 3), seed ${SEED})`, () => {
      const features = randomIndex(count, k, SEED + k)
      const queries = randomQueries(3, k, SEED - k)
      const [start, end, stride] = [5, count - 3, 4]
      const kernels: [string, ShardScores[]][] = [['js', scoreShardJs({ features, k, start, end, queries, topK, sampleStride: stride })]]
      if (addon) kernels.push(['native', addon.scoreShard(features, k, start, end, queries, topK, stride)])
      for (const [name, got] of kernels) {
        expect(got, name).toHaveLength(3)
        for (let j = 0; j < 3; j++) {
          expect(comparable(got[j]), `${name} query ${j}`).toEqual(expected(features, k, start, end, queries.subarray(j * k, (j + 1) * k), topK, stride))
        }
      }
      // A batch scores each query exactly as alone.
      if (addon) expect(addon.scoreShard(features, k, start, end, queries.subarray(k, 2 * k), topK, stride)[0]).toEqual(addon.scoreShard(features, k, start, end, queries, topK, stride)[1])
    })
  }

  it('keeps exact sums beyond 2^53 (16,384 records at the bound, k = 1024)', () => {
    const k = 1024
    const count = 16384
    const features = new Int16Array(count * k).fill(-32768)
    const queries = new Int32Array(2 * k).fill(-32767)
    queries.fill(32767, k)
    const each = BigInt(k) * 32768n * 32767n
    const kernels = [scoreShardJs({ features, k, start: 0, end: count, queries, topK: 2, sampleStride: 8192 })]
    if (addon) kernels.push(addon.scoreShard(features, k, 0, count, queries, 2, 8192))
    for (const [up, down] of kernels) {
      expect(BigInt(count) * each).toBeGreaterThan(2n ** 53n)
      expect([up.sum, up.positiveSum, up.positive]).toEqual([BigInt(count) * each, BigInt(count) * each, count])
      expect([down.sum, down.positiveSum, down.positive]).toEqual([-BigInt(count) * each, 0n, 0])
      expect(Array.from(up.positions)).toEqual([0, 1]) // all tied: lowest positions first
      expect(Array.from(down.sample)).toEqual([-Number(each), -Number(each)])
    }
  })

  it('rejects a query value beyond ±(2^15 - 1) and a shard beyond the features (native)', () => {
    if (!addon) return expect(nativeReason).toBeUndefined()
    const features = randomIndex(8, 16, 1)
    expect(() => addon!.scoreShard(features, 16, 0, 8, new Int32Array(16).fill(32768), 1, 1)).toThrow(/outside \+-\(2\^15 - 1\)/)
    expect(() => addon!.scoreShard(features, 16, 0, 9, new Int32Array(16), 1, 1)).toThrow(RangeError)
    expect(() => addon!.scoreShard(features, 16, 0, 8, new Int32Array(15), 1, 1)).toThrow(/Q \* k/)
  })
})

describe('scoring pool', () => {
  const k = 32
  const count = 5003
  const features = randomIndex(count, k, SEED)
  const queries = Array.from({ length: 3 }, (_, j) => Array.from(randomQueries(3, k, SEED + 7).subarray(j * k, (j + 1) * k), BigInt))

  function checkAgainstReference(result: ScoreReturnType, query: bigint[], topK: number, stride: number): void {
    const want = expected(features, k, 0, count, Int32Array.from(query, Number), topK, stride)
    expect(result.top.map((x) => `${x.position}:${x.score}`)).toEqual(want.top)
    const d = result.distribution
    expect([d.count, d.positive, d.positiveSum, d.min, d.max]).toEqual([count, want.positive, want.positiveSum, want.min, want.max])
    expect(d.mean).toBe(Number(want.sum) / count)
    const sorted = want.sample.sort((a, b) => a - b)
    expect(d.quantileSample).toBe(sorted.length)
    expect([d.quantiles.p01, d.quantiles.p50, d.quantiles.p99]).toEqual([0.01, 0.5, 0.99].map((f) => sorted[Math.ceil(f * sorted.length) - 1]))
  }

  it('scores a batch with the native kernel in 2 workers: each query as alone, equal to the reference', async () => {
    const pool = createScoringPool({ workers: 2, kernel: 'native', inThreadMaxProducts: 0 })
    try {
      const batch = await pool.scoreBatch({ features, k, queries, topK: 12 })
      expect(batch.map((r) => r.kernel.kind)).toEqual(['native', 'native', 'native'])
      // 5,003 records, a 1,024-score sample: every 5th position.
      expect(QUANTILE_SAMPLE).toBe(1024)
      batch.forEach((result, j) => checkAgainstReference(result, queries[j], 12, 5))
      expect(await pool.score({ features, k, query: queries[1], topK: 12 })).toEqual(batch[1])
      const exact = await pool.score({ features, k, query: queries[2], topK: 3, quantileSample: Infinity })
      checkAgainstReference(exact, queries[2], 3, 1)
      // The index's features file, mapped read-only by each worker: the same result.
      const file = join(tmp, 'features.i16')
      writeFileSync(file, new Uint8Array(features.buffer))
      expect(await pool.scoreBatch({ features: { path: file }, k, queries, topK: 12 })).toEqual(batch)
    } finally {
      await pool.destroy()
    }
    // 5,003 x 3 x 32 multiply-adds are under IN_THREAD_MAX_PRODUCTS: the calling thread scores them.
    expect(count * 3 * k).toBeLessThan(IN_THREAD_MAX_PRODUCTS)
    const small = createScoringPool({ workers: 1, kernel: 'native' })
    try {
      const batch = await small.scoreBatch({ features, k, queries, topK: 12 })
      batch.forEach((result, j) => checkAgainstReference(result, queries[j], 12, 5))
    } finally {
      await small.destroy()
    }
  })

  it('falls back to the JS kernel when the compiler is absent, says why, and gives the same results', async () => {
    const buildDir = join(tmp, 'no-cc')
    const pool = createScoringPool({ workers: 1, cc: '/nonexistent', buildDir })
    try {
      const kernel = await pool.kernel()
      expect(kernel.kind).toBe('js')
      expect(kernel.kind === 'js' && kernel.reason).toMatch(/cannot compile .*scoring\.c with \/nonexistent \(.*ENOENT/)
      const batch = await pool.scoreBatch({ features, k, queries, topK: 12 })
      batch.forEach((result, j) => checkAgainstReference(result, queries[j], 12, 5))
      const file = join(tmp, 'features.i16')
      writeFileSync(file, new Uint8Array(features.buffer))
      expect((await pool.score({ features: { path: file }, k, query: queries[0], topK: 12 })).top).toEqual(batch[0].top)
    } finally {
      await pool.destroy()
    }
    const strict = createScoringPool({ workers: 1, cc: '/nonexistent', buildDir, kernel: 'native' })
    try {
      await expect(strict.score({ features, k, query: queries[0], topK: 1 })).rejects.toThrow(NativeScoringUnavailableError)
    } finally {
      await strict.destroy()
    }
  })
})
