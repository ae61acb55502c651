/**
 * Top-K selection and the score distribution summary, shared by the pool and the reference.
 * Order: score descending, ties broken by lower position (deterministic, so an auditor gets the
 * same candidates).
 */
export type ScoredRecord = { position: number; score: bigint }

export type ScoreDistribution = {
  count: number
  min: number
  max: number
  mean: number
  /** Nearest-rank quantiles of the scores. */
  quantiles: { p01: number; p05: number; p25: number; p50: number; p75: number; p95: number; p99: number }
  positive: number
  /** Sum of max(score, 0): the payout denominator if every record were a candidate. */
  positiveSum: bigint
}

export function selectTopK(scores: Float64Array, topK: number): ScoredRecord[] {
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
  return pos.map((position) => ({ position, score: BigInt(scores[position]) }))
}

export function summarizeScores(scores: Float64Array): ScoreDistribution {
  const n = scores.length
  const sorted = Float64Array.from(scores).sort()
  let sum = 0
  let positive = 0
  let positiveSum = 0n
  for (let i = 0; i < n; i++) {
    sum += scores[i]
    if (scores[i] > 0) {
      positive++
      positiveSum += BigInt(scores[i])
    }
  }
  const q = (f: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.ceil(f * n) - 1))])
  return {
    count: n,
    min: n ? sorted[0] : 0,
    max: n ? sorted[n - 1] : 0,
    mean: n ? sum / n : 0,
    quantiles: { p01: q(0.01), p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95), p99: q(0.99) },
    positive,
    positiveSum,
  }
}
