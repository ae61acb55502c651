/**
 * The benches' baseline: every record's score against a query with a plain JavaScript loop on the
 * main thread (exact: products below 2^30, sums below 2^53). Shared so every bench's "naive loop" is
 * the same code.
 */
export function naiveScores(features: Int16Array, k: number, query: Int32Array): Float64Array {
  const out = new Float64Array(features.length / k)
  for (let i = 0; i < out.length; i++) {
    let s = 0
    for (let t = 0; t < k; t++) s += features[i * k + t] * query[t]
    out[i] = s
  }
  return out
}
