import { readFileSync, statSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { PoaError } from '../errors/index.ts'
import { createSession, CudaUnavailableError, type ProviderName, type ProviderRequest } from './createSession.ts'
import { checkQuery, ScoreParameterError } from './scoreReference.ts'
import type { ShardScores } from './scoreShard.ts'
import { mergeShardScores } from './scoreSummary.ts'
import { buildScoringOnnx, SCORING_GRAPH_MAX_FEATURE_BYTES, SCORING_INPUTS } from './scoringGraph.ts'
import {
  checkScoreParameters, QUANTILE_SAMPLE, type FeatureFile, type ScoreBatchParameters, type ScoreReturnType, type ScoringKernel, type ScoringPool,
} from './scoringPool.ts'

/**
 * Scoring through onnxruntime (scoringGraph.ts): one session per index, created on the index's first
 * query, holds the features (as float64, 8 bytes per value) on the execution provider, so a query
 * sends Q x k values and gets back its top-K, the tie positions at the K-th score and the distribution
 * statistics and sample. Results are the native kernel's exactly (same `ScoreReturnType`): scores are
 * exact in float64, ties at the top-K boundary go to the lower position whatever the EP's TopK did, the
 * plain sum is <column sums, query> in bigints, and every returned candidate is rescored on the CPU
 * before it is returned (a mismatch throws OnnxScoringMismatchError: a broken provider never pays).
 * When onnxruntime cannot score an index (session refused, index too large for one graph, or CUDA
 * required and unavailable) the `fallback` pool scores it and the result's kernel says why
 * (`onnxFallback`).
 */
export type CreateOnnxScoringPoolParameters = {
  /** Execution provider for the scoring sessions (default 'auto': CUDA when /dev/nvidia0 exists). */
  provider?: ProviderRequest
  /**
   * true: use onnxruntime only on CUDA; when the CUDA provider cannot open, the fallback scores
   * instead of onnxruntime's CPU provider (the native kernel is faster on a CPU). Default false.
   */
  requireCuda?: boolean
  /** Scores what onnxruntime cannot (usually the native pool); destroyed with this pool. */
  fallback: ScoringPool
  /** Threads of each scoring session (default: onnxruntime's choice). */
  intraOpThreads?: number
  /** Where notices (a CUDA fallback, a session opened) go; default stderr. */
  onNotice?: (message: string) => void
}

export type OnnxScoringPool = ScoringPool & {
  /** Open (or reuse) the session of an index now and say what it cost; `reason` when onnxruntime will not score it. */
  prepare(p: { features: Int16Array | FeatureFile; k: number }): Promise<OnnxIndexInfo>
}

export type OnnxIndexInfo =
  | { provider: ProviderName; fallbackReason?: string; count: number; k: number; createMs: number; graphBytes: number; residentBytes: number; reason?: undefined }
  | { reason: string }

export class OnnxScoringMismatchError extends PoaError {
  constructor({ position, query, expected, got, provider, what = 'score' }: { position: number; query: number; expected: bigint; got: bigint; provider: ProviderName; what?: string }) {
    const where = what === 'score' ? `record ${position}'s score` : what
    super('ONNX_SCORING_MISMATCH', 'INTERNAL', `onnxruntime (${provider}) gave ${where} for query ${query} as ${got}: expected ${expected}`, {
      meta: { position, query, expected, got, provider, what },
    })
  }
}

type IndexSession = {
  session: ort.InferenceSession
  provider: ProviderName
  fallbackReason?: string
  features: Int16Array
  count: number
  k: number
  /** Per column, the sum of the features: sum_i <f_i, q> = <columnSums, q>. */
  columnSums: bigint[]
  info: OnnxIndexInfo
}

type Opened = IndexSession | { reason: string }

function featuresOf(source: Int16Array | FeatureFile): Int16Array {
  if (source instanceof Int16Array) return source
  const bytes = readFileSync(source.path)
  // A small file's Buffer may sit at an odd offset of Node's pool; an Int16Array needs even.
  if (bytes.byteOffset % 2 === 0 && bytes.byteLength % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
  return new Int16Array(Uint8Array.from(bytes).buffer, 0, Math.floor(bytes.byteLength / 2))
}

function columnSumsOf(features: Int16Array, k: number): bigint[] {
  // Each column sum stays below 2^15 count < 2^53 for any count below 2^38: exact in a double.
  const sums = new Float64Array(k)
  for (let i = 0; i < features.length; i += k) for (let t = 0; t < k; t++) sums[t] += features[i + t]
  return Array.from(sums, (v) => BigInt(v))
}

export function createOnnxScoringPool({ provider = 'auto', requireCuda = false, fallback, intraOpThreads, onNotice }: CreateOnnxScoringPoolParameters): OnnxScoringPool {
  const notice = onNotice ?? ((m: string) => process.stderr.write(`${m}\n`))
  const byArray = new WeakMap<Int16Array, Map<number, Promise<Opened>>>()
  const byFile = new Map<string, Promise<Opened>>()
  const sessions = new Set<ort.InferenceSession>()
  let lastKernel: ScoringKernel | undefined

  async function open(source: Int16Array | FeatureFile, k: number): Promise<Opened> {
    const features = featuresOf(source)
    if (features.length % k !== 0) throw new ScoreParameterError({ field: 'k', value: k, expected: `a divisor of the ${features.length} feature values` })
    const count = features.length / k
    if (count === 0) return { reason: 'the index has no records' }
    if (features.byteLength > SCORING_GRAPH_MAX_FEATURE_BYTES) {
      return { reason: `the index's ${features.byteLength} feature bytes exceed one ONNX graph's ${SCORING_GRAPH_MAX_FEATURE_BYTES}` }
    }
    const started = performance.now()
    const bytes = buildScoringOnnx({ features, k })
    let opened
    try {
      opened = await createSession({ bytes, provider, intraOpThreads, onNotice: notice, cpuFallback: !requireCuda })
    } catch (error) {
      if (error instanceof CudaUnavailableError) return { reason: error.shortMessage }
      return { reason: `onnxruntime refused the scoring graph (${(error as Error).message.split('\n')[0]})` }
    }
    sessions.add(opened.session)
    const info: OnnxIndexInfo = {
      provider: opened.provider, fallbackReason: opened.fallbackReason, count, k, createMs: performance.now() - started, graphBytes: bytes.byteLength, residentBytes: count * k * 8,
    }
    return { session: opened.session, provider: opened.provider, fallbackReason: opened.fallbackReason, features, count, k, columnSums: columnSumsOf(features, k), info }
  }

  function indexSession(source: Int16Array | FeatureFile, k: number): Promise<Opened> {
    if (source instanceof Int16Array) {
      if (source.length % k !== 0) throw new ScoreParameterError({ field: 'k', value: k, expected: `a divisor of features.length ${source.length}` })
      let byK = byArray.get(source)
      if (!byK) byArray.set(source, (byK = new Map()))
      let opened = byK.get(k)
      if (!opened) byK.set(k, (opened = open(source, k)))
      return opened
    }
    const stat = statSync(source.path)
    const key = `${source.path}\0${stat.ino}:${stat.size}:${stat.mtimeMs}:${k}`
    let opened = byFile.get(key)
    if (!opened) byFile.set(key, (opened = open(source, k)))
    return opened
  }

  async function scoreOnnx(index: IndexSession, p: ScoreBatchParameters, queries: Int32Array): Promise<ScoreReturnType[]> {
    const { count, k } = index
    const Q = p.queries.length
    const K = Math.min(p.topK, count)
    const quantileSample = p.quantileSample ?? QUANTILE_SAMPLE
    const step = count <= quantileSample ? 1 : Math.ceil(count / quantileSample)
    p.signal?.throwIfAborted()
    const out = await index.session.run({
      [SCORING_INPUTS.queries]: new ort.Tensor('float64', Float64Array.from(queries), [Q, k]),
      [SCORING_INPUTS.topK]: new ort.Tensor('int64', BigInt64Array.of(BigInt(K)), [1]),
      [SCORING_INPUTS.sampleStep]: new ort.Tensor('int64', BigInt64Array.of(BigInt(step)), [1]),
    })
    const values = out.topValues.data as Float64Array
    const indices = out.topIndices.data as BigInt64Array
    const ties = out.tiePositions.data as BigInt64Array
    const M = ties.length / 2
    const sample = out.sample.data as Float64Array
    const S = sample.length / Q
    const kernel: ScoringKernel = { kind: 'onnx', provider: index.provider, ...(index.fallbackReason ? { fallbackReason: index.fallbackReason } : {}) }
    lastKernel = kernel
    const results: ScoreReturnType[] = []
    let tie = 0
    for (let j = 0; j < Q; j++) {
      // The K-th score; every score above it is in TopK's output whatever its tie order, and the
      // records at it are taken lowest position first from NonZero's (row-major) list.
      const row = values.subarray(j * K, (j + 1) * K)
      const threshold = Math.min(...row)
      const positions: number[] = []
      const scores: number[] = []
      for (let r = 0; r < K; r++) {
        if (row[r] > threshold) {
          positions.push(Number(indices[j * K + r]))
          scores.push(row[r])
        }
      }
      while (tie < M && Number(ties[tie]) < j) tie++
      for (; tie < M && Number(ties[tie]) === j; tie++) {
        if (positions.length < K) {
          positions.push(Number(ties[M + tie]))
          scores.push(threshold)
        }
      }
      if (positions.length !== K) {
        throw new OnnxScoringMismatchError({ position: -1, query: j, expected: BigInt(K), got: BigInt(positions.length), provider: index.provider, what: 'candidate count' })
      }
      const query = queries.subarray(j * k, (j + 1) * k)
      for (let r = 0; r < positions.length; r++) {
        let exact = 0
        const base = positions[r] * k
        for (let t = 0; t < k; t++) exact += index.features[base + t] * query[t]
        if (exact !== scores[r]) {
          throw new OnnxScoringMismatchError({ position: positions[r], query: j, expected: BigInt(exact), got: BigInt(scores[r]), provider: index.provider })
        }
      }
      let sum = 0n
      for (let t = 0; t < k; t++) sum += index.columnSums[t] * BigInt(query[t])
      const part: ShardScores = {
        positions: Float64Array.from(positions), scores: Float64Array.from(scores), count,
        positive: (out.positive.data as Float64Array)[j], sum,
        positiveSum: BigInt((out.positiveHi.data as Float64Array)[j]) + BigInt((out.positiveLo.data as Float64Array)[j]),
        min: (out.min.data as Float64Array)[j], max: (out.max.data as Float64Array)[j],
        sample: sample.subarray(j * S, (j + 1) * S),
      }
      results.push({ ...mergeShardScores([part], p.topK), workers: 1, kernel })
    }
    return results
  }

  async function scoreBatch(p: ScoreBatchParameters): Promise<ScoreReturnType[]> {
    checkScoreParameters(p)
    const queries = new Int32Array(p.queries.length * p.k)
    p.queries.forEach((query, j) => queries.set(checkQuery(query, p.k), j * p.k))
    if (p.queries.length === 0) return []
    const index = await indexSession(p.features, p.k)
    if ('reason' in index) {
      const results = await fallback.scoreBatch(p)
      return results.map((r) => ({ ...r, kernel: (lastKernel = { ...r.kernel, onnxFallback: index.reason }) }))
    }
    return scoreOnnx(index, p, queries)
  }

  return {
    get workers() {
      return fallback.workers
    },
    scoreBatch,
    async score({ query, ...rest }) {
      const [result] = await scoreBatch({ ...rest, queries: [query] })
      return result
    },
    async prepare({ features, k }) {
      const index = await indexSession(features, k)
      return 'reason' in index ? { reason: index.reason } : index.info
    },
    async kernel() {
      return lastKernel ?? { ...(await fallback.kernel()), onnxFallback: 'no index scored yet: onnxruntime opens a session per index on its first query' }
    },
    async destroy() {
      for (const session of sessions) await session.release()
      sessions.clear()
      byFile.clear()
      await fallback.destroy()
    },
  }
}
