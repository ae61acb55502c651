import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { parseCsv } from './csv.ts'
import { RecordFileError, RecordMalformedError, type RecordSource } from './errors.ts'
import { RECORD_FIELDS, normalizeRecord, type SourcedRecord } from './record.ts'

export type RecordFormat = 'jsonl' | 'csv'

export type ParseRecordsParameters = {
  text: string
  /** Name used in error messages (`records.jsonl:12 ...`). */
  file: string
  format: RecordFormat
}

/**
 * Parse records from JSONL (one JSON object per line, blank lines skipped) or CSV (a header row
 * naming the columns `contributor`, `content` or `contentBase64`, optional `label`, optional
 * `metadata` holding a JSON object). Every record is validated; the first bad one throws a
 * `RecordMalformedError` naming file:line and the field.
 */
export function parseRecords({ text, file, format }: ParseRecordsParameters): SourcedRecord[] {
  if (format === 'jsonl') return parseJsonl(text, file)
  if (format === 'csv') return parseCsvRecords(text, file)
  throw new RecordFileError({ file, reason: `unknown format "${String(format)}" (expected jsonl or csv)` })
}

function parseJsonl(text: string, file: string): SourcedRecord[] {
  const records: SourcedRecord[] = []
  const addresses = new Map<string, string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]
    if (line.trim() === '') continue
    const source: RecordSource = { file, line: i + 1 }
    let raw: unknown
    try {
      raw = JSON.parse(i === 0 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line)
    } catch (error) {
      throw new RecordMalformedError({ source, reason: `malformed JSON (${(error as Error).message})`, cause: error })
    }
    records.push(normalizeRecord(raw, source, addresses))
  }
  return records
}

function parseCsvRecords(text: string, file: string): SourcedRecord[] {
  const rows = parseCsv(text, file)
  if (rows.length === 0) throw new RecordFileError({ file, reason: 'is empty (expected a CSV header row naming contributor and content)' })
  const [header, ...body] = rows
  const addresses = new Map<string, string>()
  const columns = header.fields.map((f) => f.trim())
  columns.forEach((name, i) => {
    if (!(RECORD_FIELDS as readonly string[]).includes(name)) {
      throw new RecordMalformedError({ source: { file, line: header.line }, field: name, reason: `unknown CSV column ${i + 1} (expected one of ${RECORD_FIELDS.join(', ')})` })
    }
    if (columns.indexOf(name) !== i) throw new RecordMalformedError({ source: { file, line: header.line }, field: name, reason: 'CSV column appears twice' })
  })
  if (!columns.includes('contributor')) throw new RecordMalformedError({ source: { file, line: header.line }, field: 'contributor', reason: 'missing CSV column' })
  if (!columns.includes('content') && !columns.includes('contentBase64')) {
    throw new RecordMalformedError({ source: { file, line: header.line }, field: 'content', reason: 'missing CSV column (expected content or contentBase64)' })
  }
  return body.map(({ line, fields }) => {
    const source: RecordSource = { file, line }
    if (fields.length !== columns.length) {
      throw new RecordMalformedError({ source, reason: `expected ${columns.length} CSV fields (${columns.join(',')}), got ${fields.length}` })
    }
    // An empty cell means "absent" (CSV has no null), except for contributor, which stays to be reported.
    const raw: Record<string, unknown> = {}
    columns.forEach((name, i) => {
      const cell = fields[i]
      if (cell === '' && name !== 'contributor') return
      if (name === 'metadata') {
        try {
          raw.metadata = JSON.parse(cell)
        } catch (error) {
          throw new RecordMalformedError({ source, field: 'metadata', reason: `malformed JSON (${(error as Error).message})`, value: cell, cause: error })
        }
      } else raw[name] = cell
    })
    return normalizeRecord(raw, source, addresses)
  })
}

/** The format a file name implies: `.jsonl`/`.ndjson` -> jsonl, `.csv` -> csv. */
export function formatFromPath(path: string): RecordFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  if (ext === '.csv') return 'csv'
  throw new RecordFileError({ file: basename(path), reason: `cannot tell the format from the extension "${ext}" (use .jsonl or .csv, or pass format)` })
}

export type ReadRecordsParameters = { path: string; format?: RecordFormat }

/** Read and validate every record of a JSONL or CSV file (UTF-8). Errors name the file by its base name and line. */
export async function readRecords({ path, format }: ReadRecordsParameters): Promise<SourcedRecord[]> {
  const chosen = format ?? formatFromPath(path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new RecordFileError({ file: path, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, cause: error })
  }
  return parseRecords({ text, file: basename(path), format: chosen })
}
