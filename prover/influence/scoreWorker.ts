import { move } from 'piscina'

/**
 * Piscina worker: exact integer scores <phi_i, phi_q> for positions [start, end) of an index whose
 * features live in a SharedArrayBuffer (read-only on both sides). Every product is below 2^30 and
 * a sum of k < 2^23 of them is below 2^53, so plain doubles are exact. The scores go back as a
 * transferred Float64Array (moved, not copied).
 */
export type ScoreTask = { buffer: SharedArrayBuffer; k: number; start: number; end: number; query: Int32Array }

export default function scoreRange({ buffer, k, start, end, query }: ScoreTask): Float64Array {
  const features = new Int16Array(buffer)
  const out = new Float64Array(end - start)
  for (let i = start; i < end; i++) {
    let s = 0
    const base = i * k
    for (let t = 0; t < k; t++) s += features[base + t] * query[t]
    out[i - start] = s
  }
  return move(out) as Float64Array
}
