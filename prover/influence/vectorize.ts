import { PoaError } from '../errors/index.ts'

/**
 * The signed hashing vectoriser of the default model (computed in TS; its output is the ONNX
 * model's input). Given text:
 * 1. tokens = maximal runs of [a-z0-9$!] in the lower-cased text, at most 30 chars each, the first
 *    `maxTokens` of them (mail headers are included: they carry much of the spam signal);
 * 2. terms = the tokens plus, when `ngrams` = 2, each adjacent pair "a b";
 * 3. each term t: h = fmix32(FNV-1a-32(t) ^ hashSeed); bucket = (h >>> 1) mod dim, sign = +1 if h is
 *    odd else -1; the bucket accumulates sign (signed hashing keeps collisions unbiased);
 * 4. value = sign(c) * ln(1 + |c|) per bucket (log term frequency), then the vector is scaled to
 *    unit L2 norm (an empty text stays all-zero), and rounded to float32.
 * The config is stored in the model's ONNX metadata (`poa.vectorizer`), so the model hash commits it.
 */
export type VectorizerConfig = {
  kind: 'hashing-v1'
  dim: number
  ngrams: 1 | 2
  maxTokens: number
  hashSeed: number
}

export const DEFAULT_VECTORIZER: VectorizerConfig = Object.freeze({
  kind: 'hashing-v1',
  dim: 1024,
  ngrams: 2,
  maxTokens: 2000,
  hashSeed: 0x9e3779b9,
}) as VectorizerConfig

/** A sparse float32 vector: `indices` strictly increasing, `values` the non-zero entries. */
export type SparseVector = { indices: Int32Array; values: Float32Array }

export class VectorizerConfigError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('VECTORIZER_CONFIG', 'BAD_INPUT', `vectorizer ${field} = ${JSON.stringify(value)}: expected ${expected}`, {
      meta: { field, value, expected },
    })
  }
}

/** Validate a config read from a file or flag. */
export function checkVectorizerConfig(config: VectorizerConfig): VectorizerConfig {
  if (config?.kind !== 'hashing-v1') throw new VectorizerConfigError({ field: 'kind', value: config?.kind, expected: '"hashing-v1"' })
  if (!Number.isInteger(config.dim) || config.dim < 2 || config.dim > 1 << 20) {
    throw new VectorizerConfigError({ field: 'dim', value: config.dim, expected: 'an integer in [2, 2^20]' })
  }
  if (config.ngrams !== 1 && config.ngrams !== 2) throw new VectorizerConfigError({ field: 'ngrams', value: config.ngrams, expected: '1 or 2' })
  if (!Number.isInteger(config.maxTokens) || config.maxTokens < 1) {
    throw new VectorizerConfigError({ field: 'maxTokens', value: config.maxTokens, expected: 'a positive integer' })
  }
  if (!Number.isInteger(config.hashSeed) || config.hashSeed < 0 || config.hashSeed > 0xffffffff) {
    throw new VectorizerConfigError({ field: 'hashSeed', value: config.hashSeed, expected: 'a uint32' })
  }
  return config
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** MurmurHash3's finaliser: spreads FNV's weak low bits before we take bucket and sign. */
function fmix32(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Vectorise one text (see the module comment). */
export function vectorize(text: string, config: VectorizerConfig = DEFAULT_VECTORIZER): SparseVector {
  const tokens = (text.toLowerCase().match(/[a-z0-9$!]{1,30}/g) ?? []).slice(0, config.maxTokens)
  const counts = new Map<number, number>()
  const add = (term: string) => {
    const h = fmix32(fnv1a(term) ^ config.hashSeed)
    const bucket = (h >>> 1) % config.dim
    counts.set(bucket, (counts.get(bucket) ?? 0) + (h & 1 ? 1 : -1))
  }
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i])
    if (config.ngrams === 2 && i + 1 < tokens.length) add(`${tokens[i]} ${tokens[i + 1]}`)
  }
  const entries = [...counts.entries()].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0])
  const indices = new Int32Array(entries.length)
  const raw = new Float64Array(entries.length)
  let norm = 0
  entries.forEach(([bucket, c], j) => {
    indices[j] = bucket
    raw[j] = Math.sign(c) * Math.log1p(Math.abs(c))
    norm += raw[j] * raw[j]
  })
  norm = Math.sqrt(norm)
  const values = new Float32Array(entries.length)
  for (let j = 0; j < raw.length; j++) values[j] = raw[j] / norm
  return { indices, values }
}

/** Write sparse rows into one dense row-major float32 matrix [rows, dim] (the ONNX input layout). */
export function densify(rows: readonly SparseVector[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim)
  rows.forEach((row, r) => {
    for (let j = 0; j < row.indices.length; j++) out[r * dim + row.indices[j]] = row.values[j]
  })
  return out
}
