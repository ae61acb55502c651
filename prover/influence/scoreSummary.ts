import type { ShardScores } from './scoreShard.ts'

/**
 * Top-K selection and the score distribution summary, shared by the scoring kernels, the pool and
 * the reference. Order: score descending, ties broken by lower position (deterministic, so an
 * auditor gets the same candidates). Scores are exact integers held in doubles (|score| < 2^53).
 */
export type ScoredRecord = { position: number; score: bigint }

export type ScoreDistribution = {
  count: number
  min: number
  max: number
  mean: number
  /**
   * Nearest-rank quantiles of the `quantileSample` scores they are taken from: every score when
   * quantileSample = count, else the scores at evenly spaced positions (0, s, 2s, ...). They are
   * for display; count, min, max, mean, positive and positiveSum are always over every score.
   */
  quantiles: Quantiles
  quantileSample: number
  positive: number
  /** Sum of max(score, 0): the payout denominator if every record were a candidate. */
  positiveSum: bigint
}

export type Quantiles = { p01: number; p05: number; p25: number; p50: number; p75: number; p95: number; p99: number }

const FRACTIONS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

/** The nearest rank (0-based) of each quantile fraction among n sorted values. */
function quantileRanks(n: number): number[] {
  return FRACTIONS.map((f) => Math.min(n - 1, Math.max(0, Math.ceil(f * n) - 1)))
}

/** What one worker reports for its range: its scores sorted ascending and its sums. */
export type ChunkSummary = { sorted: Float64Array; sum: number; positive: number; positiveSum: bigint }

/** Top-K of `scores` whose index 0 is record `offset`. */
export function selectTopK(scores: Float64Array, topK: number, offset = 0): ScoredRecord[] {
  const K = Math.min(topK, scores.length)
  const pos: number[] = []
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b)
  for (let i = 0; i < scores.length; i++) {
    if (pos.length === K && !better(i, pos[K - 1])) continue
    let j = pos.length === K ? K - 1 : pos.length
    if (pos.length < K) pos.push(i)
    while (j > 0 && better(i, pos[j - 1])) {
      pos[j] = pos[j - 1]
      j--
    }
    pos[j] = i
  }
  return pos.map((i) => ({ position: i + offset, score: BigInt(scores[i]) }))
}

/** Merge per-chunk top-K lists into the global top-K (same order as selectTopK). */
export function mergeTopK(parts: readonly (readonly ScoredRecord[])[], topK: number): ScoredRecord[] {
  return parts
    .flat()
    .sort((a, b) => (a.score === b.score ? a.position - b.position : a.score > b.score ? -1 : 1))
    .slice(0, topK)
}

const SAFE = 2 ** 53

export function summarizeChunk(scores: Float64Array): ChunkSummary {
  const sorted = Float64Array.from(scores).sort()
  let sum = 0
  let positive = 0
  // Positive scores are summed exactly: in a double while the total stays <= 2^53, then carried
  // into a bigint (one BigInt per 2^53 of total, not one per record).
  let acc = 0
  let positiveSum = 0n
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]
    sum += s
    if (s > 0) {
      positive++
      if (acc > SAFE - s) {
        positiveSum += BigInt(acc)
        acc = 0
      }
      acc += s
    }
  }
  return { sorted, sum, positive, positiveSum: positiveSum + BigInt(acc) }
}

/** Combine chunk summaries: quantiles by walking a merge of the sorted runs up to each rank. */
export function mergeSummaries(parts: readonly ChunkSummary[]): ScoreDistribution {
  const n = parts.reduce((a, p) => a + p.sorted.length, 0)
  const ranks = quantileRanks(n)
  const values: number[] = []
  const heads = parts.map(() => 0)
  let taken = 0
  let min = 0
  let max = -Infinity
  for (const p of parts) if (p.sorted.length) max = Math.max(max, p.sorted[p.sorted.length - 1])
  // Ranks are non-decreasing and may repeat (small n): a repeated rank reuses the last value.
  let value = 0
  for (const rank of n ? ranks : []) {
    while (taken <= rank) {
      let best = -1
      for (let j = 0; j < parts.length; j++) {
        if (heads[j] < parts[j].sorted.length && (best < 0 || parts[j].sorted[heads[j]] < parts[best].sorted[heads[best]])) best = j
      }
      value = parts[best].sorted[heads[best]++]
      if (taken === 0) min = value
      taken++
    }
    values.push(value)
  }
  const [p01, p05, p25, p50, p75, p95, p99] = n ? values : [0, 0, 0, 0, 0, 0, 0]
  return {
    count: n,
    min: n ? min : 0,
    max: n ? max : 0,
    mean: n ? parts.reduce((a, p) => a + p.sum, 0) / n : 0,
    quantiles: { p01, p05, p25, p50, p75, p95, p99 },
    quantileSample: n,
    positive: parts.reduce((a, p) => a + p.positive, 0),
    positiveSum: parts.reduce((a, p) => a + p.positiveSum, 0n),
  }
}

export function summarizeScores(scores: Float64Array): ScoreDistribution {
  return mergeSummaries([summarizeChunk(scores)])
}

/**
 * Combine the shards of one query, in position order: the global top-K and the distribution, with
 * the quantiles taken from the shards' samples (O(sample log sample), not O(count log count)).
 */
export function mergeShardScores(parts: readonly ShardScores[], topK: number): { top: ScoredRecord[]; distribution: ScoreDistribution } {
  const top = mergeTopK(
    parts.map((p) => Array.from(p.positions, (position, i) => ({ position, score: BigInt(p.scores[i]) }))),
    topK,
  )
  const filled = parts.filter((p) => p.count > 0)
  const count = filled.reduce((a, p) => a + p.count, 0)
  const sample = new Float64Array(parts.reduce((a, p) => a + p.sample.length, 0))
  let offset = 0
  for (const p of parts) {
    sample.set(p.sample, offset)
    offset += p.sample.length
  }
  sample.sort()
  const values = sample.length ? quantileRanks(sample.length).map((r) => sample[r]) : [0, 0, 0, 0, 0, 0, 0]
  const [p01, p05, p25, p50, p75, p95, p99] = values
  const sum = filled.reduce((a, p) => a + p.sum, 0n)
  return {
    top,
    distribution: {
      count,
      min: count ? Math.min(...filled.map((p) => p.min)) : 0,
      max: count ? Math.max(...filled.map((p) => p.max)) : 0,
      mean: count ? Number(sum) / count : 0,
      quantiles: { p01, p05, p25, p50, p75, p95, p99 },
      quantileSample: sample.length,
      positive: filled.reduce((a, p) => a + p.positive, 0),
      positiveSum: filled.reduce((a, p) => a + p.positiveSum, 0n),
    },
  }
}
