import { hashToField } from '../field/index.ts'
import { PoaError } from '../errors/index.ts'
import { vectorizerId, type VectorizerConfig } from './vectorizerSpec.ts'

/**
 * The query's inputHash, the first Poseidon input of the query commitment
 * `Poseidon(inputHash, featureHash(phi_q))`. It binds, besides the input, what the circuit cannot
 * see but an auditor must: which vectoriser read the input and which output is attributed. So a
 * proof over a commitment says which class it attributes, with no change to the circuits:
 *
 *   inputHash = uint256(keccak256(header || input)) >> 8
 *   header    = UTF-8 of "poa-query-v2\n" + vectoriser + "\n" + classIndex + "\n"
 *
 * `vectoriser` is `vectorizerId(config)` (the config as JSON, keys sorted, no spaces) for a text
 * query, or `raw-float32` for an input vector; `classIndex` is the attributed class in decimal
 * (index into the model's labels); `input` is the text's UTF-8 bytes or the vector's float32
 * little-endian bytes.
 */
export const QUERY_INPUT_DOMAIN = 'poa-query-v2'
export const RAW_VECTOR_INPUT = 'raw-float32'

/** A class the model does not have was asked for (`--class`). */
export class QueryClassError extends PoaError {
  constructor({ value, labels }: { value: unknown; labels: readonly string[] }) {
    super('QUERY_CLASS', 'BAD_INPUT', `class ${JSON.stringify(value)} is not one of the model's classes (${labels.join(', ')}) nor a class index in [0, ${labels.length - 1}]`, {
      meta: { value, labels },
    })
  }
}

/** A requested class as a class index: a label of the model, else a class index (number or digits). */
export function queryClassIndex(value: number | string, labels: readonly string[]): number {
  if (typeof value === 'string' && labels.includes(value)) return labels.indexOf(value)
  const n = typeof value === 'number' ? value : /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (Number.isInteger(n) && n >= 0 && n < labels.length) return n
  throw new QueryClassError({ value, labels })
}

export type QueryInputHashParameters = {
  /** The model's vectoriser for a text input; absent for a raw input vector. */
  vectorizer?: VectorizerConfig
  classIndex: number
  input: string | Uint8Array
}

export function queryInputHash({ vectorizer, classIndex, input }: QueryInputHashParameters): bigint {
  const header = new TextEncoder().encode(`${QUERY_INPUT_DOMAIN}\n${vectorizer ? vectorizerId(vectorizer) : RAW_VECTOR_INPUT}\n${classIndex}\n`)
  const body = typeof input === 'string' ? new TextEncoder().encode(input) : input
  const bytes = new Uint8Array(header.length + body.length)
  bytes.set(header)
  bytes.set(body, header.length)
  return hashToField(bytes)
}
