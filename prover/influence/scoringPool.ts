import { availableParallelism } from 'node:os'
import { createWorkerPool } from '../workers/index.ts'
import { checkQuery, ScoreParameterError } from './scoreReference.ts'
import { mergeSummaries, mergeTopK, type ScoreDistribution, type ScoredRecord } from './scoreSummary.ts'
import type { ScoreTask, ScoreTaskResult } from './scoreWorker.ts'

/**
 * Score every record of an index against a query in a piscina worker pool. The index features are
 * copied once per index into a SharedArrayBuffer (cached per Int16Array), which every worker reads;
 * each task scores one contiguous range and returns its top-K and its sorted scores (moved, not
 * copied); the main thread merges them.
 */
export type ScoringPool = {
  readonly workers: number
  score(p: ScoreParameters): Promise<ScoreReturnType>
  destroy(): Promise<void>
}

export type ScoreParameters = {
  /** Row-major [count, k] index features. */
  features: Int16Array
  k: number
  query: readonly bigint[] | Int16Array
  topK: number
  signal?: AbortSignal
}

export type ScoreReturnType = { top: ScoredRecord[]; distribution: ScoreDistribution; workers: number }

function checkScoreParameters({ features, k, topK }: ScoreParameters): void {
  if (!Number.isInteger(k) || k < 1 || features.length % k !== 0) throw new ScoreParameterError({ field: 'k', value: k, expected: `a positive divisor of features.length ${features.length}` })
  if (!Number.isInteger(topK) || topK < 1) throw new ScoreParameterError({ field: 'topK', value: topK, expected: 'a positive integer' })
}

export function createScoringPool({ workers = availableParallelism() }: { workers?: number } = {}): ScoringPool {
  if (!Number.isInteger(workers) || workers < 1) throw new ScoreParameterError({ field: 'workers', value: workers, expected: 'a positive integer' })
  const pool = createWorkerPool({ from: import.meta.url, worker: 'scoreWorker', threads: workers })
  const shared = new WeakMap<Int16Array, SharedArrayBuffer>()
  return {
    workers,
    async score(p) {
      checkScoreParameters(p)
      const query = checkQuery(p.query, p.k)
      let buffer = shared.get(p.features)
      if (!buffer) {
        buffer = new SharedArrayBuffer(p.features.byteLength)
        new Int16Array(buffer).set(p.features)
        shared.set(p.features, buffer)
      }
      const count = p.features.length / p.k
      const chunk = Math.ceil(count / workers)
      const tasks: Promise<ScoreTaskResult>[] = []
      for (let start = 0; start < count; start += chunk) {
        const task: ScoreTask = { buffer, k: p.k, start, end: Math.min(count, start + chunk), query, topK: p.topK }
        tasks.push(pool.run(task, { signal: p.signal }))
      }
      const parts = await Promise.all(tasks)
      return { top: mergeTopK(parts.map((x) => x.top), p.topK), distribution: mergeSummaries(parts), workers }
    },
    destroy: () => pool.destroy(),
  }
}

/** One-shot: create a pool, score, and destroy it (the pool is closed even on failure). */
export async function scoreIndex(p: ScoreParameters & { workers?: number }): Promise<ScoreReturnType> {
  const pool = createScoringPool({ workers: p.workers })
  try {
    return await pool.score(p)
  } finally {
    await pool.destroy()
  }
}
