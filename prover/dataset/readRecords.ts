import { readFile, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { parseCsv } from './csv.ts'
import { DatasetParameterError, ImportTooLargeError, RecordErrorCollector, RecordFileError, RecordMalformedError, type RecordSource } from './errors.ts'
import { resolveRecordLimits, type RecordLimits } from './limits.ts'
import { invalidUtf8Offset } from './utf8.ts'
import { normalizeRecord, type SourcedRecord } from './record.ts'
import { checkShapeHeader, recordFieldOf, resolveRecordShape, shapeRecord, type RecordShape, type RecordShapeOptions } from './recordShape.ts'

export type RecordFormat = 'jsonl' | 'csv'

export type ParseRecordsParameters = {
  /** The file's text, already decoded. Prefer `bytes`: only bytes let a bad UTF-8 sequence be found and named. */
  text?: string
  /** The file's bytes, exactly as stored: each line must be valid UTF-8 (content is never altered). */
  bytes?: Uint8Array
  /** Name used in error messages (`records.jsonl:12 ...`). */
  file: string
  format: RecordFormat
  /** Record size and error-report limits (defaults: DEFAULT_RECORD_LIMITS). */
  limits?: Partial<RecordLimits>
  /** How a file of another tool's shape maps onto records (default: poa's shape, unknown fields refused). */
  shape?: RecordShapeOptions
}

/**
 * Parse records from JSONL (one JSON object per line, blank lines skipped) or CSV (a header row
 * naming the columns `contributor`, `content` or `contentBase64`, optional `label`, optional
 * `metadata` holding a JSON object). `shape` reads other field names instead (`content=text`), gives a
 * default contributor and may keep unread fields as metadata. Every record is validated and every bad one is reported: one bad
 * record throws its `RecordMalformedError` (file:line and field), several throw one
 * `RecordsRejectedError` listing the first `limits.maxReportedErrors`. Bytes that are not valid
 * UTF-8 are refused with their line and byte offset, never replaced.
 */
export function parseRecords({ text, bytes, file, format, limits, shape }: ParseRecordsParameters): SourcedRecord[] {
  if (format !== 'jsonl' && format !== 'csv') throw new RecordFileError({ file, reason: `unknown format "${String(format)}" (expected jsonl or csv)` })
  if ((text === undefined) === (bytes === undefined)) throw new DatasetParameterError({ name: 'text/bytes', value: 'both or neither', expected: 'exactly one of text and bytes' })
  const resolved = resolveRecordLimits(limits)
  const shaped = resolveRecordShape(shape)
  const errors = new RecordErrorCollector(file, resolved.maxReportedErrors)
  let badLines = new Map<number, RecordMalformedError>()
  if (bytes !== undefined) {
    badLines = utf8Errors(bytes, file, format)
    // Lossless for every valid line; the invalid ones are reported and skipped below.
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  }
  const read = { file, limits: resolved, shape: shaped, errors, badLines }
  const records = format === 'jsonl' ? parseJsonl(text as string, read) : parseCsvRecords(text as string, read)
  errors.throwIfAny()
  return records
}

const BOM = [0xef, 0xbb, 0xbf]

/** Every line holding bytes that are not UTF-8, keyed by line number, with the byte offset in the file. */
function utf8Errors(bytes: Uint8Array, file: string, format: RecordFormat): Map<number, RecordMalformedError> {
  const found = new Map<number, RecordMalformedError>()
  let lineStart = BOM.every((b, i) => bytes[i] === b) ? 3 : 0
  let line = 1
  while (lineStart <= bytes.length) {
    let lineEnd = bytes.indexOf(0x0a, lineStart)
    if (lineEnd < 0) lineEnd = bytes.length
    const bad = invalidUtf8Offset(bytes, lineStart, lineEnd)
    if (bad >= 0) {
      // Name the JSON field the bad byte sits in when the valid text before it shows one.
      const before = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, bad - lineStart).toString('utf8')
      const field = format === 'jsonl' ? /"([^"\\]+)"\s*:\s*"(?:[^"\\]|\\.)*$/.exec(before)?.[1] : undefined
      const hex = Array.from(bytes.subarray(bad, Math.min(bad + 4, lineEnd)), (b) => b.toString(16).padStart(2, '0')).join(' ')
      found.set(
        line,
        new RecordMalformedError({
          source: { file, line },
          field,
          reason: `is not valid UTF-8 at byte offset ${bad} of the file (byte ${bad - lineStart + 1} of the line: ${hex}); ` +
            'content is stored and hashed byte for byte, so it is refused rather than altered (send binary content as contentBase64)',
        }),
      )
    }
    lineStart = lineEnd + 1
    line++
  }
  return found
}

/** What both parsers need besides the text: the file's name, the checked options and the error sink. */
type ReadContext = { file: string; limits: RecordLimits; shape: RecordShape; errors: RecordErrorCollector; badLines: Map<number, RecordMalformedError> }

function parseJsonl(text: string, { file, limits, shape, errors, badLines }: ReadContext): SourcedRecord[] {
  const records: SourcedRecord[] = []
  const addresses = new Map<string, string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const encoding = badLines.get(i + 1)
    if (encoding) {
      errors.add(encoding)
      continue
    }
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]
    if (line.trim() === '') continue
    const source: RecordSource = { file, line: i + 1 }
    const record = errors.attempt(() => {
      let raw: unknown
      try {
        raw = JSON.parse(i === 0 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line)
      } catch (error) {
        throw new RecordMalformedError({ source, reason: `malformed JSON (${(error as Error).message})`, cause: error })
      }
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return normalizeRecord(raw, source) // refused there, as always
      return normalizeRecord(shapeRecord(raw as Record<string, unknown>, shape, source, { checkMapped: true }), source, addresses, limits)
    })
    if (record) records.push(record)
  }
  return records
}

function parseCsvRecords(text: string, { file, limits, shape, errors, badLines }: ReadContext): SourcedRecord[] {
  for (const error of badLines.values()) errors.add(error)
  const rows = parseCsv(text, file)
  if (rows.length === 0) throw new RecordFileError({ file, reason: 'is empty (expected a CSV header row naming contributor and content)' })
  const [header, ...body] = rows
  const addresses = new Map<string, string>()
  const columns = header.fields.map((f) => f.trim())
  columns.forEach((name, i) => {
    if (columns.indexOf(name) !== i) throw new RecordMalformedError({ source: { file, line: header.line }, field: name, reason: 'CSV column appears twice' })
  })
  checkShapeHeader(columns, shape, { file, line: header.line })
  const fieldOf = columns.map((name) => recordFieldOf(shape, name))
  const records: SourcedRecord[] = []
  for (const { line, fields } of body) {
    // A row whose bytes are not UTF-8 is already reported; its decoded cells would not be the contributor's.
    if (badLines.has(line)) continue
    const source: RecordSource = { file, line }
    const record = errors.attempt(() => {
      if (fields.length !== columns.length) {
        throw new RecordMalformedError({ source, reason: `expected ${columns.length} CSV fields (${columns.join(',')}), got ${fields.length}` })
      }
      // An empty cell means "absent" (CSV has no null), except for the contributor's, which stays to be
      // reported unless a default contributor stands for every record that names none.
      const raw: [string, unknown][] = []
      columns.forEach((name, i) => {
        const cell = fields[i]
        if (cell === '' && !(fieldOf[i] === 'contributor' && shape.contributor === undefined)) return
        if (fieldOf[i] === 'metadata') {
          try {
            raw.push([name, JSON.parse(cell)])
          } catch (error) {
            throw new RecordMalformedError({ source, field: name, reason: `malformed JSON (${(error as Error).message})`, value: cell, cause: error })
          }
        } else raw.push([name, cell])
      })
      return normalizeRecord(shapeRecord(Object.fromEntries(raw), shape, source, { checkMapped: false }), source, addresses, limits)
    })
    if (record) records.push(record)
  }
  return records
}

/** The format a file name implies: `.jsonl`/`.ndjson` -> jsonl, `.csv` -> csv. */
export function formatFromPath(path: string): RecordFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  if (ext === '.csv') return 'csv'
  throw new RecordFileError({ file: basename(path), reason: `cannot tell the format from the extension "${ext}" (use .jsonl or .csv, or pass format)` })
}

export type ReadRecordsParameters = { path: string; format?: RecordFormat; limits?: Partial<RecordLimits>; shape?: RecordShapeOptions }

/**
 * Read and validate every record of a JSONL or CSV file, as bytes (content must be valid UTF-8 and is
 * kept byte for byte). A file over `limits.maxImportBytes` is refused before it is read. Errors name
 * the file by its base name and line.
 */
export async function readRecords({ path, format, limits, shape }: ReadRecordsParameters): Promise<SourcedRecord[]> {
  const chosen = format ?? formatFromPath(path)
  const resolved = resolveRecordLimits(limits)
  resolveRecordShape(shape) // a bad option is named before the file is read
  const unreadable = (error: unknown) =>
    new RecordFileError({ file: path, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, cause: error })
  const size = await stat(path).then((s) => s.size, (error) => Promise.reject(unreadable(error)))
  if (size > resolved.maxImportBytes) throw new ImportTooLargeError({ file: basename(path), bytes: size, limit: resolved.maxImportBytes })
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    throw unreadable(error)
  }
  return parseRecords({ bytes, file: basename(path), format: chosen, limits: resolved, shape })
}
