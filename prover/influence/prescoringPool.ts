import type { ScoreBatchParameters, ScoreParameters, ScoreReturnType, ScoringPool } from './scoringPool.ts'

/**
 * A scoring pool that can score several queries against one index in a single `scoreBatch` pass
 * ahead of time (`prescore`), and then answers `score` for any of them from those results. The node
 * uses it: when several recorded inferences wait for the same model, their queries go through the
 * index's features once, as a Q x count product, instead of Q passes; each job then scores as
 * before and gets the batch's result. `scoreBatch` returns exactly what `score` returns query by
 * query (the kernels are checked against the bigint reference), so prescored results are the
 * one-at-a-time results. A `score` call nothing was prescored for goes to the pool unchanged.
 */
export type PrescoringPool = ScoringPool & {
  /**
   * Score `queries` against `features` in passes of at most `maxBatch` queries and keep each result
   * for one later `score` call with the same features object, k, topK and query. Returns the
   * number of scoreBatch passes.
   */
  prescore(p: ScoreBatchParameters): Promise<number>
  /** Drop every kept result (a node round starts afresh: jobs may have failed or been dropped). */
  clear(): void
  /** Results kept and not yet taken by `score`. */
  readonly waiting: number
}

/** Default most queries per pass: 16 queries x 2^20 records x k = 128 keeps one pass near a second on 2 cores. */
export const PRESCORE_MAX_BATCH = 16

function queryKey(k: number, topK: number, quantileSample: number | undefined, query: readonly bigint[] | Int16Array): string {
  return `${k}/${topK}/${quantileSample ?? ''}/${Array.from(query as ArrayLike<bigint | number>, String).join(',')}`
}

export function createPrescoringPool(pool: ScoringPool, { maxBatch = PRESCORE_MAX_BATCH }: { maxBatch?: number } = {}): PrescoringPool {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`prescoring maxBatch ${maxBatch} is not an integer >= 1`)
  // Keyed by the features object itself: a result is only ever reused for the same index in memory.
  let kept = new WeakMap<object, Map<string, ScoreReturnType>>()
  let waiting = 0
  return {
    get workers() {
      return pool.workers
    },
    get waiting() {
      return waiting
    },
    clear() {
      kept = new WeakMap()
      waiting = 0
    },
    async prescore(p) {
      let results = kept.get(p.features)
      if (!results) kept.set(p.features, (results = new Map()))
      let passes = 0
      for (let start = 0; start < p.queries.length; start += maxBatch) {
        const queries = p.queries.slice(start, start + maxBatch)
        const scored = await pool.scoreBatch({ ...p, queries })
        passes++
        for (let j = 0; j < queries.length; j++) {
          const key = queryKey(p.k, p.topK, p.quantileSample, queries[j])
          if (!results.has(key)) waiting++
          results.set(key, scored[j])
        }
      }
      return passes
    },
    async score(p: ScoreParameters) {
      const results = kept.get(p.features)
      const key = queryKey(p.k, p.topK, p.quantileSample, p.query)
      const hit = results?.get(key)
      if (hit) {
        results!.delete(key)
        waiting--
        return hit
      }
      return pool.score(p)
    },
    scoreBatch: (p) => pool.scoreBatch(p),
    kernel: () => pool.kernel(),
    destroy: () => pool.destroy(),
  }
}
