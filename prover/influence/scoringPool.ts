import { readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { PoaError } from '../errors/index.ts'
import { createWorkerPool } from '../workers/index.ts'
import { loadNativeScoring } from './nativeScoring.ts'
import type { NativeScoringAddon } from './nativeScoringAddon.ts'
import { checkQuery, ScoreParameterError } from './scoreReference.ts'
import type { ShardScores } from './scoreShard.ts'
import { mergeShardScores, type ScoreDistribution, type ScoredRecord } from './scoreSummary.ts'
import type { ScoreTask, ScoreTaskFeatures } from './scoreWorker.ts'

/**
 * Score every record of an index against queries in a piscina worker pool, one shard per worker.
 * Each shard is scored by the native addon (native/scoring/, SIMD, checked against scoreReference
 * when loaded) or, when it cannot be built, by the JavaScript kernel; the result says which and why.
 * A batch of queries is scored in one pass over the features. Workers return only their top-K,
 * exact sums and a fixed-size sample of scores, so a query costs O(count) and no sort of all scores.
 * Small calls with the native kernel run in the calling thread (IN_THREAD_MAX_PRODUCTS).
 */
export type ScoringPool = {
  readonly workers: number
  score(p: ScoreParameters): Promise<ScoreReturnType>
  /** Q queries in one pass over the features (a Q x count product); results in query order. */
  scoreBatch(p: ScoreBatchParameters): Promise<ScoreReturnType[]>
  /** The kernel the pool scores with (loads, and on first use compiles, the native addon). */
  kernel(): Promise<ScoringKernel>
  destroy(): Promise<void>
}

/** The index's features file (`features.i16`, row-major [count, k] little-endian int16). */
export type FeatureFile = { path: string }

export type ScoreParameters = {
  /** Row-major [count, k] index features, in memory or as a file the native kernel maps read-only. */
  features: Int16Array | FeatureFile
  k: number
  query: readonly bigint[] | Int16Array
  topK: number
  /**
   * How many scores the distribution's quantiles come from (evenly spaced positions; default
   * QUANTILE_SAMPLE). `Infinity` gives exact quantiles at the cost of sorting every score.
   */
  quantileSample?: number
  signal?: AbortSignal
}

export type ScoreBatchParameters = Omit<ScoreParameters, 'query'> & { queries: readonly (readonly bigint[] | Int16Array)[] }

/**
 * The kernel a result was scored with: the native addon, the JS loop, or onnxruntime (onnxScoring.ts)
 * on the execution provider that ran. `onnxFallback` says why onnxruntime scoring was asked for (or
 * chosen by `scoring: 'auto'`) and not used.
 */
export type ScoringKernel = (
  | { kind: 'native'; isa: string; binary: string }
  | { kind: 'js'; reason: string }
  | { kind: 'onnx'; provider: 'cuda' | 'cpu'; fallbackReason?: string }
) & { onnxFallback?: string }

export type ScoreReturnType = { top: ScoredRecord[]; distribution: ScoreDistribution; workers: number; kernel: ScoringKernel }

export type CreateScoringPoolParameters = {
  workers?: number
  /** 'auto' (default): native when it builds and passes its self-check, else JS; 'native' throws instead. */
  kernel?: 'auto' | 'native' | 'js'
  /** Where the addon is compiled (`<buildDir>/native`); default `<package>/build`. */
  buildDir?: string
  /** The C compiler; default $CC, else `cc`. */
  cc?: string
  /**
   * With the native kernel, in-memory calls of at most this many multiply-adds (records x queries
   * x k) run in the calling thread instead of the workers; default IN_THREAD_MAX_PRODUCTS, 0 never.
   */
  inThreadMaxProducts?: number
}

/**
 * 2^23 multiply-adds (2^16 records at k = 128, or the 6,046-record default index at k = 128 for a
 * batch of 10) take about 0.5 ms in the native kernel, while a round trip to a worker cost 0.5 to
 * 1.4 ms on the loaded 2-core machine (bench/scoringKernel.bench.ts): below this, the calling thread
 * is blocked for less time than it would wait.
 */
export const IN_THREAD_MAX_PRODUCTS = 2 ** 23

/**
 * Quantile sample size. The quantiles are for display; merging and sorting a 4,096-score sample cost
 * 0.45 ms per query on the main thread here (as much as the native kernel spends on 2^16 records),
 * 1,024 about a quarter of that.
 */
export const QUANTILE_SAMPLE = 1024

export class NativeScoringUnavailableError extends PoaError {
  constructor({ reason }: { reason: string }) {
    super('NATIVE_SCORING_UNAVAILABLE', 'USAGE', `the native scoring kernel was asked for but is unavailable: ${reason}`, { meta: { reason } })
  }
}

type Index = { features: ScoreTaskFeatures; count: number }

/** Check k, topK and quantileSample at the door (every scoring backend). */
export function checkScoreParameters({ k, topK, quantileSample }: Omit<ScoreBatchParameters, 'queries'>): void {
  if (!Number.isInteger(k) || k < 1) throw new ScoreParameterError({ field: 'k', value: k, expected: 'a positive integer' })
  if (!Number.isInteger(topK) || topK < 1) throw new ScoreParameterError({ field: 'topK', value: topK, expected: 'a positive integer' })
  if (quantileSample !== undefined && !(quantileSample === Infinity || (Number.isInteger(quantileSample) && quantileSample >= 1))) {
    throw new ScoreParameterError({ field: 'quantileSample', value: quantileSample, expected: 'a positive integer or Infinity' })
  }
}

export function createScoringPool({
  workers = availableParallelism(), kernel: choice = 'auto', buildDir, cc, inThreadMaxProducts = IN_THREAD_MAX_PRODUCTS,
}: CreateScoringPoolParameters = {}): ScoringPool {
  if (!Number.isInteger(workers) || workers < 1) throw new ScoreParameterError({ field: 'workers', value: workers, expected: 'a positive integer' })
  if (!(inThreadMaxProducts >= 0)) throw new ScoreParameterError({ field: 'inThreadMaxProducts', value: inThreadMaxProducts, expected: 'a number >= 0' })
  if (!['auto', 'native', 'js'].includes(choice)) throw new ScoreParameterError({ field: 'kernel', value: choice, expected: '"auto", "native" or "js"' })
  const pool = createWorkerPool({ from: import.meta.url, worker: 'scoreWorker', threads: workers })
  const shared = new WeakMap<Int16Array, SharedArrayBuffer>()
  const fileCopies = new Map<string, SharedArrayBuffer>()
  let kernel: Promise<ScoringKernel> | undefined
  let addon: NativeScoringAddon | undefined

  const resolveKernel = (): Promise<ScoringKernel> =>
    (kernel ??= (async (): Promise<ScoringKernel> => {
      if (choice === 'js') return { kind: 'js', reason: 'the JS kernel was asked for (kernel: "js")' }
      const status = await loadNativeScoring({ buildDir, cc })
      if (status.native) {
        addon = status.native.addon
        return { kind: 'native', isa: status.native.isa, binary: status.native.binary }
      }
      if (choice === 'native') throw new NativeScoringUnavailableError({ reason: status.reason })
      return { kind: 'js', reason: status.reason }
    })())

  function indexOf(features: Int16Array | FeatureFile, k: number, mapFiles: boolean): Index {
    if (features instanceof Int16Array) {
      if (features.length % k !== 0) throw new ScoreParameterError({ field: 'k', value: k, expected: `a divisor of features.length ${features.length}` })
      const count = features.length / k
      if (features.buffer instanceof SharedArrayBuffer) {
        return { features: { kind: 'shared', buffer: features.buffer, byteOffset: features.byteOffset, length: features.length }, count }
      }
      // Copied once per Int16Array into memory every worker reads (never written after this).
      let buffer = shared.get(features)
      if (!buffer) {
        buffer = new SharedArrayBuffer(features.byteLength)
        new Int16Array(buffer).set(features)
        shared.set(features, buffer)
      }
      return { features: { kind: 'shared', buffer, byteOffset: 0, length: features.length }, count }
    }
    const stat = statSync(features.path)
    if (stat.size % (2 * k) !== 0) throw new ScoreParameterError({ field: 'features.path', value: features.path, expected: `a file of count x k = ${k} int16 values, not ${stat.size} bytes` })
    const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`
    const count = stat.size / (2 * k)
    if (mapFiles) return { features: { kind: 'file', path: features.path, key }, count }
    // The JS kernel cannot map a file: read it once into shared memory.
    let buffer = fileCopies.get(`${features.path}\0${key}`)
    if (!buffer) {
      buffer = new SharedArrayBuffer(stat.size)
      new Uint8Array(buffer).set(readFileSync(features.path))
      fileCopies.set(`${features.path}\0${key}`, buffer)
    }
    return { features: { kind: 'shared', buffer, byteOffset: 0, length: stat.size / 2 }, count }
  }

  async function scoreBatch(p: ScoreBatchParameters): Promise<ScoreReturnType[]> {
    checkScoreParameters(p)
    const queries = new Int32Array(p.queries.length * p.k)
    p.queries.forEach((query, j) => queries.set(checkQuery(query, p.k), j * p.k))
    const used = await resolveKernel()
    if (p.queries.length === 0) return []
    const quantileSample = p.quantileSample ?? QUANTILE_SAMPLE
    const strideFor = (count: number) => (count <= quantileSample ? 1 : Math.ceil(count / quantileSample))
    if (addon && p.features instanceof Int16Array && p.features.length * p.queries.length <= inThreadMaxProducts) {
      if (p.features.length % p.k !== 0) throw new ScoreParameterError({ field: 'k', value: p.k, expected: `a divisor of features.length ${p.features.length}` })
      p.signal?.throwIfAborted()
      const count = p.features.length / p.k
      const parts = addon.scoreShard(p.features, p.k, 0, count, queries, p.topK, strideFor(count))
      return parts.map((part) => ({ ...mergeShardScores([part], p.topK), workers, kernel: used }))
    }
    const { features, count } = indexOf(p.features, p.k, used.kind === 'native')
    const sampleStride = strideFor(count)
    const chunk = Math.ceil(count / workers)
    const tasks: Promise<ShardScores[]>[] = []
    for (let start = 0; start < count; start += chunk) {
      const task: ScoreTask = {
        features, k: p.k, start, end: Math.min(count, start + chunk), queries, topK: p.topK, sampleStride,
        native: used.kind === 'native' ? used.binary : undefined,
      }
      tasks.push(pool.run(task, { signal: p.signal }))
    }
    const shards = await Promise.all(tasks)
    return p.queries.map((_, j) => ({ ...mergeShardScores(shards.map((s) => s[j]), p.topK), workers, kernel: used }))
  }

  return {
    workers,
    scoreBatch,
    async score({ query, ...rest }) {
      const [result] = await scoreBatch({ ...rest, queries: [query] })
      return result
    },
    kernel: resolveKernel,
    destroy: async () => {
      fileCopies.clear()
      await pool.destroy()
    },
  }
}

/** One-shot: create a pool, score, and destroy it (the pool is closed even on failure). */
export async function scoreIndex(p: ScoreParameters & CreateScoringPoolParameters): Promise<ScoreReturnType> {
  const pool = createScoringPool({ workers: p.workers, kernel: p.kernel, buildDir: p.buildDir, cc: p.cc, inThreadMaxProducts: p.inThreadMaxProducts })
  try {
    return await pool.score(p)
  } finally {
    await pool.destroy()
  }
}
