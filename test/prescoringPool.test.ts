import { afterAll, describe, expect, it } from 'vitest'
import { createPrescoringPool, createScoringPool, type ScoreParameters, type ScoringPool } from '../prover/influence/index.ts'

// A seeded index of 3,000 records at k = 32 and seven queries: cheap, and every kernel path the node uses.
const K = 32
const COUNT = 3000
let state = 12345
const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % 65535) - 32767
const features = Int16Array.from({ length: COUNT * K }, next)
const queries = Array.from({ length: 7 }, () => Array.from({ length: K }, () => BigInt(next())))
const base = createScoringPool({ workers: 1 })
afterAll(() => base.destroy())

/** The real pool, with its calls counted. */
function counted(pool: ScoringPool) {
  const calls = { score: 0, scoreBatch: 0 }
  const wrapped: ScoringPool = {
    workers: pool.workers,
    score: (p) => (calls.score++, pool.score(p)),
    scoreBatch: (p) => (calls.scoreBatch++, pool.scoreBatch(p)),
    kernel: () => pool.kernel(),
    destroy: () => pool.destroy(),
  }
  return { wrapped, calls }
}

describe('prescoring pool (the node scores pending queries in batches)', () => {
  it('gives every query the result one-at-a-time scoring gives, from bounded scoreBatch passes', async () => {
    const one: Awaited<ReturnType<ScoringPool['score']>>[] = []
    for (const query of queries) one.push(await base.score({ features, k: K, query, topK: 8 }))
    const { wrapped, calls } = counted(base)
    const pool = createPrescoringPool(wrapped, { maxBatch: 3 })
    expect(await pool.prescore({ features, k: K, queries, topK: 8 })).toBe(3)
    expect(calls.scoreBatch).toBe(3)
    expect(pool.waiting).toBe(7)
    for (let j = queries.length - 1; j >= 0; j--) expect(await pool.score({ features, k: K, query: queries[j], topK: 8 })).toEqual(one[j])
    expect(calls.score).toBe(0)
    expect(pool.waiting).toBe(0)
    // Taken once: the same query again, another topK or another index object goes to the pool.
    const again: ScoreParameters = { features, k: K, query: queries[0], topK: 8 }
    expect(await pool.score(again)).toEqual(one[0])
    await pool.prescore({ features, k: K, queries: queries.slice(0, 2), topK: 8 })
    await pool.score({ features, k: K, query: queries[0], topK: 4 })
    await pool.score({ features: features.slice(), k: K, query: queries[1], topK: 8 })
    expect(calls.score).toBe(3)
    pool.clear()
    expect(pool.waiting).toBe(0)
    await pool.score({ features, k: K, query: queries[1], topK: 8 })
    expect(calls.score).toBe(4)
  })

  it('refuses a batch bound below one', () => {
    expect(() => createPrescoringPool(base, { maxBatch: 0 })).toThrow(/maxBatch 0 is not an integer >= 1/)
  })
})
