import { selectTopK, summarizeChunk, type ScoredRecord } from './scoreSummary.ts'

/**
 * Piscina worker: exact integer scores <phi_i, phi_q> for positions [start, end) of an index whose
 * features live in a SharedArrayBuffer (read-only on both sides). Every product is below 2^30 and
 * a sum of k < 2^23 of them is below 2^53, so plain doubles are exact. The worker also selects its
 * range's top-K and sorts its scores, so the main thread only merges. The sorted run is structured-
 * cloned back (piscina moves only a top-level return value; 8 MB per million records, a few ms).
 */
export type ScoreTask = { buffer: SharedArrayBuffer; k: number; start: number; end: number; query: Int32Array; topK: number }
export type ScoreTaskResult = { top: ScoredRecord[]; sorted: Float64Array; sum: number; positive: number; positiveSum: bigint }

export default function scoreRange({ buffer, k, start, end, query, topK }: ScoreTask): ScoreTaskResult {
  const features = new Int16Array(buffer)
  const scores = new Float64Array(end - start)
  for (let i = start; i < end; i++) {
    let s = 0
    const base = i * k
    for (let t = 0; t < k; t++) s += features[base + t] * query[t]
    scores[i - start] = s
  }
  return { top: selectTopK(scores, topK, start), ...summarizeChunk(scores) }
}
