import { PoaError } from '../errors/index.ts'
import { ngramTerms } from './ngramTerms.ts'
import { DEFAULT_VECTORIZER, vectorizerSpec, type VectorizerConfig } from './vectorizerSpec.ts'

export * from './vectorizerSpec.ts'
export { ngramTerms, ngramWords, NGRAM_MAX_WORDS, NGRAM_MAX_WORD_CODE_POINTS } from './ngramTerms.ts'

/**
 * The signed hashing vectorisers (computed in TS; the output is the ONNX model's input).
 * Terms: `hashing-v1` (the spam model's):
 * 1. tokens = maximal runs of [a-z0-9$!] in the lower-cased text, at most 30 chars each, the first
 *    `maxTokens` of them (mail headers are included: they carry much of the spam signal);
 * 2. terms = the tokens plus, when `ngrams` = 2, each adjacent pair "a b";
 * `ngram-v1`: word or character n-grams (ngramTerms.ts).
 * Then, for both:
 * 3. each term t: h = fmix32(FNV-1a-32(t) ^ hashSeed); bucket = (h >>> 1) mod dim, sign = +1 if h is
 *    odd else -1; the bucket accumulates sign (signed hashing keeps collisions unbiased). FNV-1a runs
 *    over the UTF-16 code units of t for hashing-v1 (its tokens are ASCII) and over the UTF-8 bytes
 *    of t for ngram-v1 (whose terms are any Unicode); ngram-v1 uses the default seed 0x9e3779b9;
 * 4. value = sign(c) * ln(1 + |c|) per bucket (log term frequency), then the vector is scaled to
 *    unit L2 norm (an empty text stays all-zero), and rounded to float32.
 * The config is stored in the model's ONNX metadata (`poa.vectorizer`), so the model hash commits it.
 */

/** A sparse float32 vector: `indices` strictly increasing, `values` the non-zero entries. */
export type SparseVector = { indices: Int32Array; values: Float32Array }

/** A vectorised text, with how many terms (tokens or n-grams) were hashed into it. */
export type VectorizedText = SparseVector & { terms: number }

/** The seed every ngram-v1 term hash uses (the golden ratio's bits, as hashing-v1's default). */
export const NGRAM_HASH_SEED = 0x9e3779b9

/** A text that yields no term at all: its vector is zero, so it can neither train nor be attributed. */
export class EmptyVectorError extends PoaError {
  constructor({ record, vectorizer }: { record: string; vectorizer: string }) {
    super('EMPTY_VECTOR', 'BAD_INPUT', `${record}: the text has no ${vectorizer} term (no word of letters or digits), so its vector is empty`, {
      meta: { record, vectorizer },
    })
  }
}

/** FNV-1a over UTF-16 code units (hashing-v1's definition, kept bit for bit for existing models). */
function fnv1aCodeUnits(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const utf8 = new TextEncoder()

/** FNV-1a over the UTF-8 bytes of the text. */
function fnv1aUtf8(text: string): number {
  let h = 0x811c9dc5
  for (const byte of utf8.encode(text)) {
    h ^= byte
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

/** The 32-bit hash of one term under a config (rule 3): bucket = (h >>> 1) mod dim, sign = low bit. */
export function termHash(term: string, config: VectorizerConfig): number {
  return config.kind === 'ngram-v1' ? fmix32(fnv1aUtf8(term) ^ NGRAM_HASH_SEED) : fmix32(fnv1aCodeUnits(term) ^ config.hashSeed)
}

/** The terms of a text under a config (rules 1-2 of hashing-v1, or ngramTerms.ts). */
export function vectorizerTerms(text: string, config: VectorizerConfig): string[] {
  if (config.kind === 'ngram-v1') return ngramTerms(text, config.unit, config.minN, config.maxN)
  const tokens = (text.toLowerCase().match(/[a-z0-9$!]{1,30}/g) ?? []).slice(0, config.maxTokens)
  const terms: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    terms.push(tokens[i])
    if (config.ngrams === 2 && i + 1 < tokens.length) terms.push(`${tokens[i]} ${tokens[i + 1]}`)
  }
  return terms
}

/** Vectorise one text (see the module comment). */
export function vectorize(text: string, config: VectorizerConfig = DEFAULT_VECTORIZER): VectorizedText {
  const terms = vectorizerTerms(text, config)
  const counts = new Map<number, number>()
  for (const term of terms) {
    const h = termHash(term, config)
    const bucket = (h >>> 1) % config.dim
    counts.set(bucket, (counts.get(bucket) ?? 0) + (h & 1 ? 1 : -1))
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
  return { indices, values, terms: terms.length }
}

/**
 * Vectorise texts that must each carry at least one term (training records, index records, a
 * query): an empty one throws EmptyVectorError naming it by `nameOf(i)` (a datanet position, a
 * file line). A text whose terms all cancel in their buckets is not empty: it did hash terms.
 */
export function vectorizeNonEmpty(texts: readonly string[], config: VectorizerConfig, nameOf: (i: number) => string): SparseVector[] {
  return texts.map((text, i) => {
    const row = vectorize(text, config)
    if (row.terms === 0) throw new EmptyVectorError({ record: nameOf(i), vectorizer: vectorizerSpec(config) })
    return row
  })
}

/** Write sparse rows into one dense row-major float32 matrix [rows, dim] (the ONNX input layout). */
export function densify(rows: readonly SparseVector[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim)
  rows.forEach((row, r) => {
    for (let j = 0; j < row.indices.length; j++) out[r * dim + row.indices[j]] = row.values[j]
  })
  return out
}
