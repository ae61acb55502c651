import { selectTopK } from './scoreSummary.ts'

/**
 * The kernel contract shared by the JavaScript loop below and the native addon
 * (native/scoring/score_kernel.h): score records [start, end) of row-major [count, k] int16
 * features against Q queries, and report per query its shard's top-K (score descending, ties by
 * lower position) and exact statistics, without keeping every score.
 */
export type ShardScores = {
  /** Best first; min(topK, end - start) entries. */
  positions: Float64Array
  scores: Float64Array
  count: number
  positive: number
  /** Exact sums (they can pass 2^53: 2^20 records of up to k 2^30 each). */
  sum: bigint
  positiveSum: bigint
  min: number
  max: number
  /** Scores at the positions of [start, end) that are multiples of sampleStride, in position order. */
  sample: Float64Array
}

export type ScoreShardParameters = {
  features: Int16Array
  k: number
  start: number
  end: number
  /** Q queries of k values each, every value within ±(2^15 - 1) (checked by the caller). */
  queries: Int32Array
  topK: number
  sampleStride: number
}

const SAFE = 2 ** 53

/**
 * The JavaScript kernel, used when the native addon is unavailable: one pass per query (it is the
 * fallback, not the fast path). Every product is below 2^30 and a sum of k < 2^23 of them below
 * 2^53, so each score is an exact double; the shard sums are carried into bigints before a double
 * could round (one BigInt per 2^53 of total, not one per record).
 */
export function scoreShardJs({ features, k, start, end, queries, topK, sampleStride }: ScoreShardParameters): ShardScores[] {
  const out: ShardScores[] = []
  const scores = new Float64Array(end - start)
  for (let j = 0; j < queries.length / k; j++) {
    const query = queries.subarray(j * k, (j + 1) * k)
    let positive = 0
    let min = Infinity
    let max = -Infinity
    let acc = 0
    let sum = 0n
    let pacc = 0
    let positiveSum = 0n
    for (let i = start; i < end; i++) {
      let s = 0
      const base = i * k
      for (let t = 0; t < k; t++) s += features[base + t] * query[t]
      scores[i - start] = s
      if (s < min) min = s
      if (s > max) max = s
      // |acc + s| < 2^53 as computed implies the exact sum is below 2^53 too (rounding is monotone).
      const next = acc + s
      if (next >= SAFE || next <= -SAFE) {
        sum += BigInt(acc)
        acc = s
      } else acc = next
      if (s > 0) {
        positive++
        if (pacc >= SAFE - s) {
          positiveSum += BigInt(pacc)
          pacc = 0
        }
        pacc += s
      }
    }
    const top = selectTopK(scores, topK, start)
    const first = Math.ceil(start / sampleStride) * sampleStride
    const sample = new Float64Array(first < end ? Math.floor((end - 1 - first) / sampleStride) + 1 : 0)
    for (let p = first, m = 0; p < end; p += sampleStride) sample[m++] = scores[p - start]
    out.push({
      positions: Float64Array.from(top, (x) => x.position),
      scores: Float64Array.from(top, (x) => Number(x.score)),
      count: end - start,
      positive,
      sum: sum + BigInt(acc),
      positiveSum: positiveSum + BigInt(pacc),
      min: end > start ? min : 0,
      max: end > start ? max : 0,
      sample,
    })
  }
  return out
}
