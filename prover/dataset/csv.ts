import type { RecordSource } from './errors.ts'
import { RecordMalformedError } from './errors.ts'

/** One CSV row with the line its first character sits on (quoted fields may span several lines). */
export type CsvRow = { line: number; fields: string[] }

/**
 * Parse RFC 4180 CSV: comma-separated fields, rows ended by CRLF or LF, fields optionally wrapped in
 * double quotes, `""` inside a quoted field stands for one quote, and a quoted field may hold commas
 * and line breaks. Stricter than the RFC where laxness would hide a broken file: a quote inside an
 * unquoted field, text after a closing quote and an unterminated quote are errors naming the line.
 * A blank line between rows is skipped (editors add one at the end).
 */
export function parseCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = []
  let fields: string[] = []
  let field = ''
  let line = 1
  let rowLine = 1
  let i = 0
  // `fieldStarted` separates "no field yet" (blank line) from "one empty field" (a lone comma ends one).
  let fieldStarted = false
  const at = (l: number): RecordSource => ({ file, line: l })
  const endRow = () => {
    if (fieldStarted || fields.length > 0) {
      fields.push(field)
      rows.push({ line: rowLine, fields })
    }
    fields = []
    field = ''
    fieldStarted = false
  }
  if (text.charCodeAt(0) === 0xfeff) i = 1 // a UTF-8 byte-order mark is not part of the first header
  while (i < text.length) {
    const c = text[i]
    if (!fieldStarted && fields.length === 0) rowLine = line
    if (c === '"') {
      if (field.length > 0) throw new RecordMalformedError({ source: at(line), reason: 'a quote inside an unquoted CSV field (wrap the field in quotes and double the quote)' })
      const openLine = line
      i++
      for (;;) {
        if (i >= text.length) throw new RecordMalformedError({ source: at(openLine), reason: 'a quoted CSV field is never closed' })
        const q = text[i]
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        if (q === '\n') line++
        field += q
        i++
      }
      fieldStarted = true
      const next = text[i]
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
        throw new RecordMalformedError({ source: at(line), reason: `text after a closing quote in CSV (got ${JSON.stringify(next)}, expected a comma or a line end)` })
      }
      continue
    }
    if (c === ',') {
      fields.push(field)
      field = ''
      fieldStarted = true
      i++
      continue
    }
    if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      endRow()
      i += c === '\r' ? 2 : 1
      line++
      continue
    }
    field += c
    fieldStarted = true
    i++
  }
  endRow()
  return rows
}
