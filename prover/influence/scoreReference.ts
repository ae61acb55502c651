import { PoaError } from '../errors/index.ts'
import { FEATURE_BOUND } from '../index/featureBound.ts'

/**
 * The scoring contract every kernel (the JS loop, the native addon) must meet, and its bigint
 * reference: score_i = <phi_i, phi_q> exactly, over row-major [count, k] int16 features and a query
 * of k integers within ±FEATURE_BOUND.
 */
export class QueryDimensionError extends PoaError {
  constructor({ expected, got }: { expected: number; got: number }) {
    super('QUERY_DIMENSION', 'BAD_INPUT', `query features have dimension ${got}: expected k = ${expected} (the index's k)`, { meta: { expected, got } })
  }
}

export class ScoreParameterError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('SCORE_PARAMETER', 'USAGE', `${field} = ${String(value)}: expected ${expected}`, { meta: { field, value, expected } })
  }
}

/** Validate a query at the door: length k, every value an integer within ±FEATURE_BOUND. */
export function checkQuery(query: readonly bigint[] | Int16Array, k: number): Int32Array {
  if (query.length !== k) throw new QueryDimensionError({ expected: k, got: query.length })
  const out = new Int32Array(k)
  for (let t = 0; t < k; t++) {
    const v = BigInt(query[t])
    if (v > FEATURE_BOUND || v < -FEATURE_BOUND) throw new ScoreParameterError({ field: `query[${t}]`, value: v, expected: `an integer in ±${FEATURE_BOUND}` })
    out[t] = Number(v)
  }
  return out
}

export type ScoreReferenceParameters = {
  /** Row-major [count, k] index features. */
  features: Int16Array
  k: number
  query: readonly bigint[] | Int16Array
}

/** Single-thread bigint reference of every score (for tests, audits and the bench baseline). */
export function scoreReference({ features, k, query }: ScoreReferenceParameters): bigint[] {
  const q = Array.from(checkQuery(query, k), (v) => BigInt(v))
  const out: bigint[] = []
  for (let i = 0; i < features.length / k; i++) {
    let s = 0n
    for (let t = 0; t < k; t++) s += BigInt(features[i * k + t]) * q[t]
    out.push(s)
  }
  return out
}
