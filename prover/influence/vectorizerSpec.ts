import { PoaError } from '../errors/index.ts'

/**
 * Vectoriser configurations and their spec strings (the `--vectoriser` flag, `model.json`'s
 * `vectorizerSpec`). Two kinds exist:
 * - `hashing-v1`: the original word vectoriser of the spam model (vectorize.ts), spec `hashing-v1`
 *   (width 1024) or `hashing-v1@<width>`;
 * - `ngram-v1`: word or character n-grams (ngramTerms.ts), spec `<unit>:<minN>-<maxN>[@<width>]`
 *   or `<unit>:<n>[@<width>]`, unit `word` or `char`, 1 <= minN <= maxN <= 8, width a power of
 *   two in [16, 2^20] (default 1024): `char:1-3`, `word:1-2@4096`.
 * This module is light (no heavy imports): the CLI parses the flag with it.
 */
export type HashingV1Config = {
  kind: 'hashing-v1'
  dim: number
  ngrams: 1 | 2
  maxTokens: number
  hashSeed: number
}

export type NgramVectorizerConfig = {
  kind: 'ngram-v1'
  unit: 'char' | 'word'
  minN: number
  maxN: number
  /** Hashed width: a power of two, so the bucket is the hash's bits (no modulo bias). */
  dim: number
}

export type VectorizerConfig = HashingV1Config | NgramVectorizerConfig

export const DEFAULT_VECTORIZER: HashingV1Config = Object.freeze({
  kind: 'hashing-v1',
  dim: 1024,
  ngrams: 2,
  maxTokens: 2000,
  hashSeed: 0x9e3779b9,
}) as HashingV1Config

export const DEFAULT_NGRAM_WIDTH = 1024
export const MAX_NGRAM_N = 8
export const MIN_NGRAM_WIDTH = 16
export const MAX_NGRAM_WIDTH = 1 << 20

export class VectorizerConfigError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('VECTORIZER_CONFIG', 'BAD_INPUT', `vectorizer ${field} = ${JSON.stringify(value)}: expected ${expected}`, {
      meta: { field, value, expected },
    })
  }
}

const SPEC_SYNTAX = 'hashing-v1[@<width>], or word:<n>[-<m>][@<width>] or char:<n>[-<m>][@<width>] (n <= m <= 8, width a power of two in [16, 2^20])'

/** Validate a config read from a file, metadata or flag; returns it as a plain object with keys in a fixed order. */
export function checkVectorizerConfig(config: VectorizerConfig): VectorizerConfig {
  if (config?.kind === 'ngram-v1') {
    if (config.unit !== 'char' && config.unit !== 'word') throw new VectorizerConfigError({ field: 'unit', value: config.unit, expected: '"char" or "word"' })
    if (!Number.isInteger(config.minN) || config.minN < 1 || config.minN > MAX_NGRAM_N) {
      throw new VectorizerConfigError({ field: 'minN', value: config.minN, expected: `an integer in [1, ${MAX_NGRAM_N}]` })
    }
    if (!Number.isInteger(config.maxN) || config.maxN < config.minN || config.maxN > MAX_NGRAM_N) {
      throw new VectorizerConfigError({ field: 'maxN', value: config.maxN, expected: `an integer in [minN = ${config.minN}, ${MAX_NGRAM_N}]` })
    }
    if (!Number.isInteger(config.dim) || config.dim < MIN_NGRAM_WIDTH || config.dim > MAX_NGRAM_WIDTH || (config.dim & (config.dim - 1)) !== 0) {
      throw new VectorizerConfigError({ field: 'dim', value: config.dim, expected: `a power of two in [${MIN_NGRAM_WIDTH}, 2^20]` })
    }
    return { kind: 'ngram-v1', unit: config.unit, minN: config.minN, maxN: config.maxN, dim: config.dim }
  }
  if (config?.kind !== 'hashing-v1') throw new VectorizerConfigError({ field: 'kind', value: (config as { kind?: unknown } | undefined)?.kind, expected: '"hashing-v1" or "ngram-v1"' })
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
  return { kind: 'hashing-v1', dim: config.dim, ngrams: config.ngrams, maxTokens: config.maxTokens, hashSeed: config.hashSeed }
}

/** Parse a spec string (see the module comment); throws VectorizerConfigError naming what did not parse. */
export function parseVectorizerSpec(spec: string): VectorizerConfig {
  const legacy = /^hashing-v1(?:@(\d{1,7}))?$/.exec(spec)
  if (legacy) return checkVectorizerConfig({ ...DEFAULT_VECTORIZER, dim: legacy[1] === undefined ? DEFAULT_VECTORIZER.dim : Number(legacy[1]) })
  const m = /^(char|word):(\d{1,2})(?:-(\d{1,2}))?(?:@(\d{1,7}))?$/.exec(spec)
  if (!m) throw new VectorizerConfigError({ field: 'spec', value: spec, expected: SPEC_SYNTAX })
  const minN = Number(m[2])
  return checkVectorizerConfig({
    kind: 'ngram-v1', unit: m[1] as 'char' | 'word', minN, maxN: m[3] === undefined ? minN : Number(m[3]), dim: m[4] === undefined ? DEFAULT_NGRAM_WIDTH : Number(m[4]),
  })
}

/**
 * The spec string of a config (the inverse of parseVectorizerSpec where one exists). A hashing-v1
 * config with other n-grams, token limit or seed than the default (only possible from a file's
 * metadata) is written with those values, `hashing-v1@<dim>;ngrams=..;maxTokens=..;hashSeed=..`.
 */
export function vectorizerSpec(config: VectorizerConfig): string {
  if (config.kind === 'ngram-v1') return `${config.unit}:${config.minN === config.maxN ? config.minN : `${config.minN}-${config.maxN}`}@${config.dim}`
  const d = DEFAULT_VECTORIZER
  const head = config.dim === d.dim ? 'hashing-v1' : `hashing-v1@${config.dim}`
  if (config.ngrams === d.ngrams && config.maxTokens === d.maxTokens && config.hashSeed === d.hashSeed) return head
  return `hashing-v1@${config.dim};ngrams=${config.ngrams};maxTokens=${config.maxTokens};hashSeed=${config.hashSeed}`
}

/**
 * The canonical identity of a config: JSON with the keys sorted, no spaces. This exact string is
 * what a query's inputHash covers (queryInputHash.ts), so it never depends on how an object was built.
 */
export function vectorizerId(config: VectorizerConfig): string {
  const c = checkVectorizerConfig(config) as Record<string, unknown>
  return JSON.stringify(Object.fromEntries(Object.keys(c).sort().map((k) => [k, c[k]])))
}

/** Whether two configs are the same vectoriser. */
export function sameVectorizer(a: VectorizerConfig, b: VectorizerConfig): boolean {
  return vectorizerId(a) === vectorizerId(b)
}
