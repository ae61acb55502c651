// Byte-exact content, input limits and every bad line at once (issue 21, items 1-3).
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import {
  DEFAULT_RECORD_LIMITS,
  DatasetParameterError,
  ImportTooLargeError,
  RecordMalformedError,
  RecordsRejectedError,
  invalidUtf8Offset,
  parseRecords,
  readRecords,
} from '../prover/dataset/index.ts'
import { contentHash, openDatanetStore, type DatanetStore } from '../prover/datanet/index.ts'

const A = '0x52908400098527886E0F7030069857D2E4169EE7'
const OWNER = A
const line = (content: string) => JSON.stringify({ contributor: A, content })
const bytesOf = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))

const stores: DatanetStore[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

describe('UTF-8 validation', () => {
  it('finds the first invalid byte as the WHATWG fatal decoder would', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true })
    const cases: number[][] = [
      [0x61, 0x62], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], // valid: a b, é, €, 😀
      [0x61, 0xff], [0x61, 0xc3], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], // invalid byte, truncated, overlong x2
      [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82, 0x61], // surrogate, > U+10FFFF, lone continuation, short
    ]
    for (const c of cases) {
      const bytes = new Uint8Array(c)
      let valid = true
      try {
        fatal.decode(bytes)
      } catch {
        valid = false
      }
      expect(invalidUtf8Offset(bytes) === -1, `bytes ${c.map((b) => b.toString(16)).join(' ')}`).toBe(valid)
    }
    expect(invalidUtf8Offset(bytesOf('ok é ', [0xff], ' more'))).toBe(6)
  })
})

describe('byte-exact import files', () => {
  it('refuses invalid UTF-8 in a JSONL content field with file, line, field and byte offset, never storing U+FFFD', () => {
    const bytes = bytesOf(line('fine'), '\n', `{"contributor":"${A}","content":"caf`, [0xe9], `"}\n`)
    const parse = () => parseRecords({ bytes, file: 'mail.jsonl', format: 'jsonl' })
    expect(parse).toThrow(RecordMalformedError)
    const offset = Buffer.byteLength(line('fine')) + 1 + Buffer.byteLength(`{"contributor":"${A}","content":"caf`)
    expect(parse).toThrow(`mail.jsonl:2 field "content": is not valid UTF-8 at byte offset ${offset} of the file (byte ${offset - Buffer.byteLength(line('fine')) - 1 + 1} of the line: e9 22 7d)`)
    expect(parse).toThrow(/send binary content as contentBase64/)
  })

  it('keeps valid multi-byte content byte for byte, and hashes exactly those bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-utf8-'))
    const text = 'naïve café — 日本語 😀'
    writeFileSync(join(dir, 'ok.jsonl'), bytesOf([0xef, 0xbb, 0xbf], line(text), '\r\n'))
    const [record] = await readRecords({ path: join(dir, 'ok.jsonl') })
    expect(record.content).toBe(text)
    expect(contentHash(record.content)).toBe(contentHash(new Uint8Array(Buffer.from(text, 'utf8'))))
  })

  it('refuses a lone surrogate escape in content or label (it has no UTF-8 form)', () => {
    const text = `{"contributor":"${A}","content":"x\\ud800y"}\n{"contributor":"${A}","content":"ok","label":"\\udc00"}`
    expect(() => parseRecords({ text, file: 'r.jsonl', format: 'jsonl' })).toThrow(/r\.jsonl:1 field "content": holds a lone UTF-16 surrogate[\s\S]*r\.jsonl:2 field "label": holds a lone UTF-16 surrogate/)
  })

  it('refuses invalid UTF-8 in a CSV row with its line and offset and still reports the other bad rows', () => {
    const bytes = bytesOf(`contributor,content\n${A},good\n${A},bad `, [0xc3, 0x28], `\n0x12,short address\n`)
    const error = (() => {
      try {
        parseRecords({ bytes, file: 'r.csv', format: 'csv' })
      } catch (e) {
        return e as RecordsRejectedError
      }
    })()
    expect(error).toBeInstanceOf(RecordsRejectedError)
    expect(error!.meta.total).toBe(2)
    expect(error!.message).toMatch(/r\.csv:3: is not valid UTF-8 at byte offset \d+ of the file \(byte 48 of the line: c3 28\)/)
    expect(error!.message).toMatch(/r\.csv:4 field "contributor": "0x12" is not a 20-byte address/)
  })
})

describe('every bad line at once', () => {
  it('lists every bad record with file:line and field, in one error', () => {
    const text = [line('ok'), 'not json', JSON.stringify({ contributor: '0x12', content: 'x' }), line('fine'), JSON.stringify({ contributor: A })].join('\n')
    let error: RecordsRejectedError | undefined
    try {
      parseRecords({ text, file: 'big.jsonl', format: 'jsonl' })
    } catch (e) {
      error = e as RecordsRejectedError
    }
    expect(error).toBeInstanceOf(RecordsRejectedError)
    expect(error!.code).toBe('RECORDS_REJECTED')
    expect(error!.kind).toBe('BAD_INPUT')
    expect(error!.message).toBe(
      'big.jsonl: 3 bad records, nothing imported:\n' +
        '  big.jsonl:2: malformed JSON (Unexpected token \'o\', "not json" is not valid JSON)\n' +
        '  big.jsonl:3 field "contributor": "0x12" is not a 20-byte address (0x followed by 40 hex digits)\n' +
        '  big.jsonl:5 field "content": missing (expected "content" text or "contentBase64" bytes)',
    )
    expect(error!.errors.map((e) => e.meta.line)).toEqual([2, 3, 5])
  })

  it('counts every bad record but lists at most maxReportedErrors', () => {
    const text = Array.from({ length: 250 }, (_, i) => (i % 2 ? line(`r${i}`) : `bad ${i}`)).join('\n')
    let error: RecordsRejectedError | undefined
    try {
      parseRecords({ text, file: 'f.jsonl', format: 'jsonl' })
    } catch (e) {
      error = e as RecordsRejectedError
    }
    expect(error!.meta.total).toBe(125)
    expect(error!.errors).toHaveLength(DEFAULT_RECORD_LIMITS.maxReportedErrors)
    expect(error!.message).toMatch(/^f\.jsonl: 125 bad records, nothing imported \(the first 100 listed\):/)
    expect(() => parseRecords({ text, file: 'f.jsonl', format: 'jsonl', limits: { maxReportedErrors: 5 } })).toThrow(/the first 5 listed/)
  })

  it('reports every duplicate and bad API record of an import and writes nothing', async () => {
    const store = openDatanetStore({ home: mkdtempSync(join(tmpdir(), 'poa-rej-')) })
    stores.push(store)
    store.createDatanet({ name: 'd', owner: OWNER, depth: 4 })
    const B = new Wallet(`0x${'2'.padStart(64, '0')}`).address
    const records = [
      { contributor: A, content: 'one', source: { file: 'in.jsonl', line: 1 } },
      { contributor: A, content: 'one', source: { file: 'in.jsonl', line: 2 } },
      { contributor: B, content: '', source: { file: 'in.jsonl', line: 3 } },
      { contributor: B, content: 'two', source: { file: 'in.jsonl', line: 4 } },
      { contributor: B, content: 'two', source: { file: 'in.jsonl', line: 5 } },
    ]
    await expect(store.importRecords('d', { records })).rejects.toThrow(
      /^in\.jsonl: 3 bad records, nothing imported:\n  in\.jsonl:2: duplicate record .* already at in\.jsonl:1\n  in\.jsonl:3 field "content": is empty.*\n  in\.jsonl:5: duplicate record .* already at in\.jsonl:4$/,
    )
    expect(store.getDatanet('d').recordCount).toBe(0)
    expect(() => store.getRecords('d')).toThrow(/no version 0/)
  })
})

describe('input limits', () => {
  it('refuses a record over maxRecordBytes before anything is written, naming the sizes', async () => {
    const big = 'x'.repeat(DEFAULT_RECORD_LIMITS.maxRecordBytes + 1)
    expect(() => parseRecords({ text: line(big), file: 'r.jsonl', format: 'jsonl' })).toThrow(
      'r.jsonl:1 field "content": is 1,048,577 bytes, over the record limit of 1,048,576 bytes (raise maxRecordBytes / --max-record-bytes)',
    )
    // Multi-byte text counts in UTF-8 bytes, binary content in bytes.
    expect(() => parseRecords({ text: line('é'.repeat(6)), file: 'r.jsonl', format: 'jsonl', limits: { maxRecordBytes: 11 } })).toThrow(/is 12 bytes, over the record limit of 11/)
    expect(parseRecords({ text: line('é'.repeat(6)), file: 'r.jsonl', format: 'jsonl', limits: { maxRecordBytes: 12 } })).toHaveLength(1)
    const store = openDatanetStore({ home: mkdtempSync(join(tmpdir(), 'poa-lim-')) })
    stores.push(store)
    store.createDatanet({ name: 'd', owner: OWNER, depth: 4 })
    await expect(store.importRecords('d', { records: [{ contributor: A, content: new Uint8Array(20) }], limits: { maxRecordBytes: 16 } })).rejects.toThrow(/field "contentBase64": is 20 bytes, over the record limit of 16/)
    await expect(store.importRecords('d', { records: [{ contributor: A, content: 'abcdef' }, { contributor: A, content: 'ghijkl' }], limits: { maxImportBytes: 10 } })).rejects.toThrow(ImportTooLargeError)
    expect(store.getDatanet('d').recordCount).toBe(0)
  })

  it('refuses a file over maxImportBytes before reading it, and a limit that is not a positive integer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-lim-'))
    writeFileSync(join(dir, 'r.jsonl'), `${line('hello')}\n`)
    await expect(readRecords({ path: join(dir, 'r.jsonl'), limits: { maxImportBytes: 10 } })).rejects.toThrow(
      /^r\.jsonl: 79 bytes is over the import limit of 10 bytes \(split the file, or raise maxImportBytes \/ --max-import-bytes\)$/,
    )
    expect(await readRecords({ path: join(dir, 'r.jsonl'), limits: { maxImportBytes: 79 } })).toHaveLength(1)
    await expect(readRecords({ path: join(dir, 'r.jsonl'), limits: { maxRecordBytes: 0 } })).rejects.toThrow(DatasetParameterError)
    await expect(readRecords({ path: join(dir, 'r.jsonl'), limits: { maxImportBytes: 1.5 } })).rejects.toThrow('maxImportBytes = 1.5 is not valid (expected a positive integer)')
  })
})
