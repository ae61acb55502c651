import { toChecksumAddress } from '../field/index.ts'
import { PoaError } from '../errors/index.ts'
import { RecordMalformedError, formatSource, type RecordSource } from './errors.ts'
import { DEFAULT_RECORD_LIMITS } from './limits.ts'
import { hasLoneSurrogate } from './utf8.ts'
import { RECORD_FIELDS } from './recordFields.ts'

export { RECORD_FIELDS, type RecordField } from './recordFields.ts'

/**
 * One datanet record as a contributor submits it. `content` is text (hashed as UTF-8) or raw bytes.
 * The leaf commits the contributor, the content and the `label` string (the hash of its UTF-8
 * bytes, 0 when absent): a JSON integer label `2` is read as the string "2", and the leaf commits
 * that string, so `2` and `"2"` give the same leaf. `metadata` travels with the record (stored
 * beside it) but is not committed, so fields kept there never change the root (docs/architecture.md).
 */
export type DatanetRecord = {
  /** EIP-55 checksummed EVM address (validated at the door). */
  contributor: string
  content: string | Uint8Array
  /** A class name; a JSON integer in a file is read as its decimal string. */
  label?: string
  metadata?: Record<string, unknown>
}

/** A record together with the file and line it was read from, so later errors can point at it. */
export type SourcedRecord = DatanetRecord & { source: RecordSource }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Validate a parsed object as a record: an address in `contributor`, exactly one of `content` (text)
 * or `contentBase64` (bytes), an optional `label` (a string, or a safe JSON integer read as its decimal
 * string: other tools write class indices such as 0, 1, 2, and models treat labels as class names)
 * and an optional JSON object `metadata`.
 * Unknown fields are refused so a typo (`contibutor`) fails loudly instead of vanishing.
 */
export function normalizeRecord(
  raw: unknown,
  source: RecordSource,
  addressCache?: Map<string, string>,
  { maxRecordBytes = DEFAULT_RECORD_LIMITS.maxRecordBytes }: { maxRecordBytes?: number } = {},
): SourcedRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RecordMalformedError({ source, reason: `expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}` })
  }
  const obj = raw as Record<string, unknown>
  for (const key of Object.keys(obj)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(key)) {
      throw new RecordMalformedError({ source, field: key, reason: `unknown field (expected one of ${RECORD_FIELDS.join(', ')})` })
    }
  }
  if (obj.contributor === undefined) throw new RecordMalformedError({ source, field: 'contributor', reason: 'missing (expected an EVM address)' })
  if (typeof obj.contributor !== 'string') {
    throw new RecordMalformedError({ source, field: 'contributor', reason: `expected a string address, got ${typeof obj.contributor}`, value: obj.contributor })
  }
  // EIP-55 checks cost two keccaks; contributors repeat, so a caller may pass a cache of good ones.
  let contributor = addressCache?.get(obj.contributor) as string
  if (contributor === undefined) try {
    contributor = toChecksumAddress(obj.contributor, `${formatSource(source)} field "contributor"`)
    addressCache?.set(obj.contributor, contributor)
  } catch (error) {
    // Re-raise as a record error (same message) so callers catch one class per bad record.
    const prefix = `${formatSource(source)} field "contributor": `
    const reason = error instanceof PoaError && error.shortMessage.startsWith(prefix) ? error.shortMessage.slice(prefix.length) : String(error)
    throw new RecordMalformedError({ source, field: 'contributor', reason, value: obj.contributor, cause: error })
  }

  const hasText = obj.content !== undefined
  const hasBytes = obj.contentBase64 !== undefined
  if (hasText === hasBytes) {
    throw new RecordMalformedError({
      source,
      field: 'content',
      reason: hasText ? 'give either "content" or "contentBase64", not both' : 'missing (expected "content" text or "contentBase64" bytes)',
    })
  }
  let content: string | Uint8Array
  if (hasText) {
    if (typeof obj.content !== 'string') throw new RecordMalformedError({ source, field: 'content', reason: `expected a string, got ${typeof obj.content}`, value: obj.content })
    // A lone surrogate (a JSON "\ud800" escape) has no UTF-8 form: storing it would store U+FFFD instead,
    // and the content hash would cover text the contributor never wrote.
    if (hasLoneSurrogate(obj.content)) {
      throw new RecordMalformedError({ source, field: 'content', reason: 'holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape) that has no UTF-8 form; send binary content as contentBase64' })
    }
    content = obj.content
  } else {
    const b64 = obj.contentBase64
    if (typeof b64 !== 'string' || !BASE64.test(b64) || b64.length % 4 !== 0) {
      throw new RecordMalformedError({ source, field: 'contentBase64', reason: 'expected standard base64 (A-Z a-z 0-9 + /, padded to a multiple of 4)', value: b64 })
    }
    content = new Uint8Array(Buffer.from(b64, 'base64'))
  }
  if (content.length === 0) throw new RecordMalformedError({ source, field: hasText ? 'content' : 'contentBase64', reason: 'is empty (a record needs content)' })
  const size = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.length
  if (size > maxRecordBytes) {
    throw new RecordMalformedError({
      source,
      field: hasText ? 'content' : 'contentBase64',
      reason: `is ${size.toLocaleString('en-US')} bytes, over the record limit of ${maxRecordBytes.toLocaleString('en-US')} bytes (raise maxRecordBytes / --max-record-bytes)`,
    })
  }

  const record: SourcedRecord = { contributor, content, source }
  if (obj.label !== undefined) {
    // Only integers: a float's decimal string is not one text ("0.1" vs 0.1000000000000000055...),
    // and a boolean or an object has no class name a user would recognise.
    const label = typeof obj.label === 'number' && Number.isSafeInteger(obj.label) ? String(obj.label) : obj.label
    if (typeof label !== 'string') {
      const got = typeof label === 'number' ? `number ${label}` : label === null ? 'null' : Array.isArray(label) ? 'an array' : typeof label
      throw new RecordMalformedError({ source, field: 'label', reason: `expected a string or a safe integer (read as its decimal string), got ${got}`, value: obj.label })
    }
    if (hasLoneSurrogate(label)) throw new RecordMalformedError({ source, field: 'label', reason: 'holds a lone UTF-16 surrogate that has no UTF-8 form' })
    record.label = label
  }
  if (obj.metadata !== undefined) {
    const m = obj.metadata
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw new RecordMalformedError({ source, field: 'metadata', reason: `expected a JSON object, got ${m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m}` })
    }
    record.metadata = m as Record<string, unknown>
  }
  return record
}
