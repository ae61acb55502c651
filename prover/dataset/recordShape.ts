import { toChecksumAddress } from '../field/index.ts'
import { RecordMalformedError, RecordShapeOptionError, type RecordSource } from './errors.ts'
import { RECORD_FIELDS, type RecordField } from './recordFields.ts'

/**
 * How an import file of another tool's shape becomes poa records: which source field (JSON key or
 * CSV column) holds each record field, the contributor of lines that name none, and what happens to
 * fields nothing reads. The default (no map, no contributor, rest `refuse`) is poa's own shape with
 * unknown fields refused, so a typo (`contibutor`) fails loudly instead of vanishing.
 */
export type RecordShapeOptions = {
  /** `<record-field><separator><source-field>` entries as the user wrote them, e.g. `content=text`. */
  map?: readonly string[]
  /** Contributor of every record whose line has no contributor field (an EVM address). */
  contributor?: string
  /** Fields no record field reads: refused (default) or kept in the record's `metadata`. */
  rest?: string
  /** How these choices are spelled where they came from, so messages name them (default: the CLI's). */
  spelling?: RecordShapeSpelling
}

/** The names of the choices and the map entry separator, as the user typed them. */
export type RecordShapeSpelling = { map: string; contributor: string; rest: string; separator: string }

export const CLI_SHAPE_SPELLING: Readonly<RecordShapeSpelling> = Object.freeze({ map: '--map', contributor: '--contributor', rest: '--rest', separator: '=' })

export const REST_POLICIES = ['refuse', 'metadata'] as const
export type RestPolicy = (typeof REST_POLICIES)[number]

/** A validated shape (`resolveRecordShape`): trusted by `shapeRecord` and `checkShapeHeader`. */
export type RecordShape = {
  /** Record fields read from a field of another name, with the entry that said so. */
  mapped: ReadonlyMap<RecordField, { source: string; entry: string }>
  /** Source field -> the record field it feeds, for the mapped ones. */
  bySource: ReadonlyMap<string, RecordField>
  /** EIP-55 checksummed default contributor. */
  contributor?: string
  rest: RestPolicy
  spelling: RecordShapeSpelling
}

/**
 * Check the choices at the door: each map entry is `<record-field><sep><source-field>` with a known
 * record field, no record field and no source field named twice, the default contributor is an
 * address (checksummed here), and rest is refuse or metadata. Every message names the option.
 */
export function resolveRecordShape({ map = [], contributor, rest = 'refuse', spelling = CLI_SHAPE_SPELLING }: RecordShapeOptions = {}): RecordShape {
  const mapped = new Map<RecordField, { source: string; entry: string }>()
  const bySource = new Map<string, RecordField>()
  for (const text of map) {
    const entry = `${spelling.map} ${text}`
    const cut = text.indexOf(spelling.separator)
    const field = cut < 0 ? '' : text.slice(0, cut).trim()
    const source = cut < 0 ? '' : text.slice(cut + spelling.separator.length).trim()
    if (field === '' || source === '') {
      throw new RecordShapeOptionError({ option: entry, reason: `expected <record-field>${spelling.separator}<source-field>, for example content${spelling.separator}text` })
    }
    if (!(RECORD_FIELDS as readonly string[]).includes(field)) {
      throw new RecordShapeOptionError({ option: entry, reason: `"${field}" is not a record field (expected one of ${RECORD_FIELDS.join(', ')})` })
    }
    const earlier = mapped.get(field as RecordField)
    if (earlier) throw new RecordShapeOptionError({ option: entry, reason: `${field} is already read from "${earlier.source}" (${earlier.entry})` })
    const taken = bySource.get(source)
    if (taken) throw new RecordShapeOptionError({ option: entry, reason: `source field "${source}" is already mapped to ${taken} (${mapped.get(taken)!.entry}); one field feeds one record field` })
    mapped.set(field as RecordField, { source, entry })
    bySource.set(source, field as RecordField)
  }
  if (!(REST_POLICIES as readonly string[]).includes(rest)) {
    throw new RecordShapeOptionError({ option: `${spelling.rest} ${rest}`, reason: `expected one of ${REST_POLICIES.join(', ')}` })
  }
  const resolved: RecordShape = { mapped, bySource, rest: rest as RestPolicy, spelling }
  if (contributor !== undefined) resolved.contributor = toChecksumAddress(contributor, spelling.contributor)
  return resolved
}

/**
 * The record field a source field feeds: the one mapped from it, else the record field of its own
 * name unless that record field is mapped from elsewhere (then this one is not read), else none.
 */
export function recordFieldOf(shape: RecordShape, key: string): RecordField | undefined {
  const mapped = shape.bySource.get(key)
  if (mapped) return mapped
  return (RECORD_FIELDS as readonly string[]).includes(key) && !shape.mapped.has(key as RecordField) ? (key as RecordField) : undefined
}

/**
 * Rename one parsed line (a JSON object, or a CSV row keyed by column with empty cells left out)
 * into poa's record shape for `normalizeRecord`. `checkMapped` refuses a line missing a mapped field
 * (JSONL; a CSV header is checked once by `checkShapeHeader`). Under rest `metadata`, unread fields
 * are merged into the line's own metadata object; a key in both is refused, since either choice
 * would drop a value the owner had.
 */
export function shapeRecord(raw: Record<string, unknown>, shape: RecordShape, source: RecordSource, { checkMapped }: { checkMapped: boolean }): Record<string, unknown> {
  // A missing mapped field first: it explains a field of that record's name being left unread.
  if (checkMapped) {
    for (const [field, { source: from, entry }] of shape.mapped) {
      if (Object.hasOwn(raw, from) || (field === 'contributor' && shape.contributor !== undefined)) continue
      throw new RecordMalformedError({ source, field: from, reason: `missing (${entry} reads ${field} from it)` })
    }
  }
  const out: Record<string, unknown> = {}
  const rest: [string, unknown][] = []
  for (const key of Object.keys(raw)) {
    const field = recordFieldOf(shape, key)
    if (field !== undefined) out[field] = raw[key]
    else if (shape.rest === 'metadata') rest.push([key, raw[key]])
    else throw new RecordMalformedError({ source, field: key, reason: unreadReason(shape, key, 'field') })
  }
  if (out.contributor === undefined) {
    if (shape.contributor === undefined) throw new RecordMalformedError({ source, field: 'contributor', reason: `missing (expected an EVM address; ${contributorHint(shape)})` })
    out.contributor = shape.contributor
  }
  if (rest.length > 0) {
    const own = out.metadata
    if (own === undefined) out.metadata = Object.fromEntries(rest)
    else if (own !== null && typeof own === 'object' && !Array.isArray(own)) {
      const metadataField = shape.mapped.get('metadata')?.source ?? 'metadata'
      for (const [key] of rest) {
        if (Object.hasOwn(own, key)) {
          throw new RecordMalformedError({ source, field: key, reason: `is not read, and ${shape.spelling.rest} metadata would put it in the record's metadata, whose field "${metadataField}" already has a key "${key}": refused rather than keep one of the two values` })
        }
      }
      // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
      out.metadata = Object.fromEntries([...Object.entries(own), ...rest])
    }
    // Metadata that is not an object is left for normalizeRecord to refuse as it always has.
  }
  return out
}

/**
 * Check a CSV header once against the shape: every mapped column exists, a contributor column or a
 * default contributor, a content or contentBase64 column, and (rest `refuse`) no column nothing reads.
 */
export function checkShapeHeader(columns: readonly string[], shape: RecordShape, source: RecordSource): void {
  const listed = `columns: ${columns.join(', ')}`
  for (const [field, { source: from, entry }] of shape.mapped) {
    if (!columns.includes(from)) throw new RecordMalformedError({ source, field: from, reason: `no such CSV column (${entry} reads ${field} from it; ${listed})` })
  }
  columns.forEach((name, i) => {
    if (recordFieldOf(shape, name) === undefined && shape.rest === 'refuse') {
      throw new RecordMalformedError({ source, field: name, reason: unreadReason(shape, name, `CSV column ${i + 1}`) })
    }
  })
  const read = new Set(columns.map((name) => recordFieldOf(shape, name)))
  if (!read.has('contributor') && shape.contributor === undefined) {
    throw new RecordMalformedError({ source, field: 'contributor', reason: `missing CSV column (${contributorHint(shape)})` })
  }
  if (!read.has('content') && !read.has('contentBase64')) {
    throw new RecordMalformedError({ source, field: 'content', reason: `missing CSV column (expected content or contentBase64, or name the column with ${shape.spelling.map} content${shape.spelling.separator}<column>)` })
  }
}

function contributorHint({ spelling }: RecordShape): string {
  return `give every record one with ${spelling.contributor} <address>, or name the field holding it with ${spelling.map} contributor${spelling.separator}<field>`
}

/** Why a field (`what`: "field" or "CSV column 3") nothing reads is refused, with the two ways to keep it. */
function unreadReason(shape: RecordShape, key: string, what: string): string {
  const keep = `keep unread fields in metadata with ${shape.spelling.rest} metadata`
  const mapped = shape.mapped.get(key as RecordField)
  if (mapped) return `${what === 'field' ? 'is' : `${what} is`} not read (${mapped.entry} reads ${key} from "${mapped.source}"; ${keep})`
  return `unknown ${what} (expected one of ${RECORD_FIELDS.join(', ')}; map it with ${shape.spelling.map} <record-field>${shape.spelling.separator}${key}, or ${keep})`
}
