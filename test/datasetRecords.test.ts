import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getAddress } from 'ethers'
import { parseCsv, parseRecords, readRecords, RecordMalformedError, RecordFileError, RecordShapeOptionError, RecordsRejectedError, type RecordShapeOptions } from '../prover/dataset/index.ts'

const A = '0x52908400098527886E0F7030069857D2E4169EE7' // EIP-55 test vector
const B = '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359' // lower-case form of an EIP-55 vector

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks, and reports each row start line', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\nline\nfield",\n3,,"last"'
    expect(parseCsv(text, 'f.csv')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'multi\nline\nfield', ''] },
      { line: 6, fields: ['3', '', 'last'] },
    ])
  })

  it('skips blank lines and a trailing newline but keeps an empty quoted field', () => {
    expect(parseCsv('a\n\n""\n', 'f.csv')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 3, fields: [''] },
    ])
  })

  it('rejects an unterminated quote naming the line where it opened', () => {
    expect(() => parseCsv('a,b\n1,"open\nmore', 'f.csv')).toThrow('f.csv:2: a quoted CSV field is never closed')
  })

  it('rejects text after a closing quote and a quote inside an unquoted field', () => {
    expect(() => parseCsv('a\n"x"y\n', 'f.csv')).toThrow(/f\.csv:2: text after a closing quote/)
    expect(() => parseCsv('a\nx"y"\n', 'f.csv')).toThrow(/f\.csv:2: a quote inside an unquoted CSV field/)
  })
})

describe('parseRecords', () => {
  it('reads JSONL records with text, bytes, label and metadata and checksums addresses', () => {
    const text = [
      JSON.stringify({ contributor: A.toLowerCase(), content: 'héllo', label: 'ham', metadata: { id: 1 } }),
      '',
      JSON.stringify({ contributor: B, contentBase64: Buffer.from([0, 1, 2, 255]).toString('base64') }),
    ].join('\r\n')
    const records = parseRecords({ text, file: 'r.jsonl', format: 'jsonl' })
    expect(records).toHaveLength(2)
    expect(records[0]).toEqual({ contributor: A, content: 'héllo', label: 'ham', metadata: { id: 1 }, source: { file: 'r.jsonl', line: 1 } })
    expect(records[1].contributor).toBe(getAddress(B))
    expect(records[1].contributor).not.toBe(B)
    expect(records[1].content).toEqual(new Uint8Array([0, 1, 2, 255]))
    expect(records[1].source.line).toBe(3)
  })

  it('names file:line and field for a short address', () => {
    const text = `${JSON.stringify({ contributor: A, content: 'ok' })}\n`.repeat(11) + JSON.stringify({ contributor: '0x12', content: 'x' })
    expect(() => parseRecords({ text, file: 'records.jsonl', format: 'jsonl' })).toThrow(
      'records.jsonl:12 field "contributor": "0x12" is not a 20-byte address',
    )
  })

  it('rejects a bad checksum, malformed JSON, a missing field, an unknown field and wrong types', () => {
    const bad = (obj: unknown) => () => parseRecords({ text: typeof obj === 'string' ? obj : JSON.stringify(obj), file: 'r.jsonl', format: 'jsonl' })
    expect(bad({ contributor: A.replace('E7', 'e7'), content: 'x' })).toThrow(/r\.jsonl:1 field "contributor": .* bad EIP-55 checksum/)
    expect(bad('{"contributor": ')).toThrow(/r\.jsonl:1: malformed JSON/)
    expect(bad({ content: 'x' })).toThrow('r.jsonl:1 field "contributor": missing')
    expect(bad({ contributor: A })).toThrow('r.jsonl:1 field "content": missing')
    expect(bad({ contributor: A, content: 'x', contentBase64: 'eA==' })).toThrow(/not both/)
    expect(bad({ contributor: A, contnt: 'x' })).toThrow('r.jsonl:1 field "contnt": unknown field')
    expect(bad({ contributor: A, content: 5 })).toThrow('r.jsonl:1 field "content": expected a string, got number')
    expect(bad({ contributor: A, content: '' })).toThrow(/field "content": is empty/)
    expect(bad({ contributor: A, content: 'x', label: 1.5 })).toThrow('r.jsonl:1 field "label": expected a string or a safe integer (read as its decimal string), got number 1.5')
    expect(bad({ contributor: A, content: 'x', label: true })).toThrow(/field "label": expected a string or a safe integer .*, got boolean/)
    expect(bad({ contributor: A, content: 'x', label: { id: 1 } })).toThrow(/field "label": .*, got object/)
    expect(bad({ contributor: A, content: 'x', label: 2 ** 53 })).toThrow(/field "label": .*, got number 9007199254740992/)
    expect(bad({ contributor: A, content: 'x', metadata: [1] })).toThrow(/field "metadata": expected a JSON object, got an array/)
    expect(bad({ contributor: A, contentBase64: 'not base64!' })).toThrow(/field "contentBase64": expected standard base64/)
    expect(bad('[1,2]')).toThrow(/r\.jsonl:1: expected a JSON object, got an array/)
    expect(bad({ contributor: 12, content: 'x' })).toThrow(RecordMalformedError)
  })

  it('reads CSV with a header, quoted multi-line content, JSON metadata and empty optional cells', () => {
    const text = `contributor,content,label,metadata\n${A},"line one\nline, two",spam,"{""k"":1}"\n${B},plain,,\n`
    const records = parseRecords({ text, file: 'r.csv', format: 'csv' })
    expect(records.map((r) => [r.content, r.label, r.metadata, r.source.line])).toEqual([
      ['line one\nline, two', 'spam', { k: 1 }, 2],
      ['plain', undefined, undefined, 4],
    ])
  })

  it('rejects CSV with a missing column, an unknown column, a short row, bad metadata or a bad address', () => {
    const csv = (text: string) => () => parseRecords({ text, file: 'r.csv', format: 'csv' })
    expect(csv(`content\nx\n`)).toThrow('r.csv:1 field "contributor": missing CSV column')
    expect(csv(`contributor,body\n${A},x\n`)).toThrow(/r\.csv:1 field "body": unknown CSV column 2/)
    expect(csv(`contributor,content\n${A}\n`)).toThrow('r.csv:2: expected 2 CSV fields (contributor,content), got 1')
    expect(csv(`contributor,content,metadata\n${A},x,{oops\n`)).toThrow(/r\.csv:2 field "metadata": malformed JSON/)
    expect(csv(`contributor,content\n${A},x\n0x12,y\n`)).toThrow('r.csv:3 field "contributor": "0x12" is not a 20-byte address')
    expect(csv(`contributor,content\n,y\n`)).toThrow(/r\.csv:2 field "contributor": "" is not a 20-byte address/)
    expect(csv('')).toThrow(RecordFileError)
  })
})

describe('parseRecords of another tool\'s shape (map, default contributor, rest)', () => {
  const jsonl = (lines: object[], shape?: RecordShapeOptions) => parseRecords({ text: lines.map((l) => JSON.stringify(l)).join('\n'), file: 'hf.jsonl', format: 'jsonl', shape })
  const csv = (text: string, shape?: RecordShapeOptions) => parseRecords({ text, file: 'sheet.csv', format: 'csv', shape })
  const strip = (records: { source: unknown }[]) => records.map(({ source: _, ...r }) => r)

  it('reads a Hugging Face style JSONL with mapped fields, a default contributor and integer labels as their decimal strings', () => {
    const records = jsonl([{ text: 'good film', label: 2 }, { text: 'bad film', label: 0 }, { text: 'by bob', label: '1', author: B }],
      { map: ['content=text', 'contributor=author'], contributor: A.toLowerCase() })
    expect(strip(records)).toEqual([
      { contributor: A, content: 'good film', label: '2' },
      { contributor: A, content: 'bad film', label: '0' },
      { contributor: getAddress(B), content: 'by bob', label: '1' },
    ])
  })

  it('gives the same records as the file written in poa\'s shape (only metadata differs, and it is not committed)', () => {
    const foreign = jsonl([{ body: 'hello', category: 3, date: '2024-01-02' }], { map: ['content=body', 'label=category'], contributor: A, rest: 'metadata' })
    const own = jsonl([{ contributor: A, content: 'hello', label: '3' }])
    expect(strip(foreign)).toEqual([{ ...strip(own)[0], metadata: { date: '2024-01-02' } }])
  })

  it('keeps unread fields as metadata, merged with the line\'s own metadata object, and refuses a key in both', () => {
    const [r] = jsonl([{ text: 'x', metadata: { id: 7 }, content: 'shadowed', year: 1790, tags: ['a'] }], { map: ['content=text'], contributor: A, rest: 'metadata' })
    expect(r.content).toBe('x')
    expect(r.metadata).toEqual({ id: 7, content: 'shadowed', year: 1790, tags: ['a'] })
    expect(() => jsonl([{ text: 'x', metadata: { year: 1 }, year: 2 }], { map: ['content=text'], contributor: A, rest: 'metadata' })).toThrow(
      'hf.jsonl:1 field "year": is not read, and --rest metadata would put it in the record\'s metadata, whose field "metadata" already has a key "year": refused rather than keep one of the two values')
    // A "__proto__" key stays a plain metadata key.
    const [p] = parseRecords({ text: `{"text":"x","__proto__":{"polluted":1}}`, file: 'hf.jsonl', format: 'jsonl', shape: { map: ['content=text'], contributor: A, rest: 'metadata' } })
    expect(Object.keys(p.metadata!)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('reads a spreadsheet CSV: mapped columns, the default contributor for an empty cell, rest columns as metadata strings', () => {
    const text = `author,body,category,date\n${B},"first, quoted",news,2024-01-02\n,second,,\n`
    const records = csv(text, { map: ['contributor=author', 'content=body', 'label=category'], contributor: A, rest: 'metadata' })
    expect(strip(records)).toEqual([
      { contributor: getAddress(B), content: 'first, quoted', label: 'news', metadata: { date: '2024-01-02' } },
      { contributor: A, content: 'second' },
    ])
    // A mapped metadata column is still JSON, and the error names its column.
    expect(csv(`body,extra\nx,"{""k"":1}"\n`, { map: ['content=body', 'metadata=extra'], contributor: A })[0].metadata).toEqual({ k: 1 })
    expect(() => csv(`body,extra\nx,{oops\n`, { map: ['content=body', 'metadata=extra'], contributor: A })).toThrow(/sheet\.csv:2 field "extra": malformed JSON/)
  })

  it('refuses bad options naming the option: unknown record field, a field or a source mapped twice, no separator, a bad contributor or rest', () => {
    const option = (shape: RecordShapeOptions) => () => jsonl([{ text: 'x' }], shape)
    expect(option({ map: ['body=text'] })).toThrow('--map body=text: "body" is not a record field (expected one of contributor, content, contentBase64, label, metadata)')
    expect(option({ map: ['content=text', 'label=text'] })).toThrow('--map label=text: source field "text" is already mapped to content (--map content=text); one field feeds one record field')
    expect(option({ map: ['content=text', 'content=body'] })).toThrow('--map content=body: content is already read from "text" (--map content=text)')
    expect(option({ map: ['content'] })).toThrow('--map content: expected <record-field>=<source-field>, for example content=text')
    expect(option({ map: ['content='] })).toThrow(RecordShapeOptionError)
    expect(option({ contributor: '0x12' })).toThrow('--contributor: "0x12" is not a 20-byte address')
    expect(option({ contributor: A.replace('E7', 'e7') })).toThrow('--contributor: "0x52908400098527886E0F7030069857D2E4169Ee7" has a bad EIP-55 checksum')
    expect(option({ rest: 'keep' })).toThrow('--rest keep: expected one of refuse, metadata')
    // The API spells the same choices as query parameters.
    const spelling = { map: 'map', contributor: 'contributor', rest: 'rest', separator: ':' }
    expect(option({ map: ['text:content'], spelling })).toThrow('map text:content: "text" is not a record field')
    expect(jsonl([{ text: 'x' }], { map: ['content:text'], contributor: A, spelling })[0].content).toBe('x')
  })

  it('lists an error repeated on many lines once, with the lines it repeats on, and counts every line', () => {
    const lines = Array.from({ length: 14 }, (_, i) => ({ content: `speech ${i}`, year: 1790 + i }))
    let error: RecordsRejectedError | undefined
    try {
      jsonl(lines, { rest: 'metadata' })
    } catch (e) {
      error = e as RecordsRejectedError
    }
    expect(error).toBeInstanceOf(RecordsRejectedError)
    expect(error!.message).toBe('hf.jsonl: 14 bad records, nothing imported:\n  hf.jsonl:1 field "contributor": missing (expected an EVM address; give every record one with --contributor <address>, ' +
      'or name the field holding it with --map contributor=<field>) (the same on 13 more lines: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...)')
    expect(error!.meta.errors).toEqual([expect.objectContaining({ sameOnLines: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], sameCount: 13 })])
  })

  it('refuses a line or header missing a mapped field, an unread field, and a missing contributor naming --contributor and --map', () => {
    expect(() => jsonl([{ text: 'a' }, { txt: 'b' }], { map: ['content=text'], contributor: A, rest: 'metadata' })).toThrow('hf.jsonl:2 field "text": missing (--map content=text reads content from it)')
    expect(() => jsonl([{ text: 'a', label: 1 }], { map: ['content=text', 'label=category'], contributor: A })).toThrow('hf.jsonl:1 field "category": missing (--map label=category reads label from it)')
    expect(() => jsonl([{ text: 'a', stars: 5 }], { map: ['content=text'], contributor: A })).toThrow(
      'hf.jsonl:1 field "stars": unknown field (expected one of contributor, content, contentBase64, label, metadata; map it with --map <record-field>=stars, or keep unread fields in metadata with --rest metadata)')
    expect(() => jsonl([{ text: 'a', content: 'b' }], { map: ['content=text'], contributor: A })).toThrow('hf.jsonl:1 field "content": is not read (--map content=text reads content from "text"; keep unread fields in metadata with --rest metadata)')
    expect(() => jsonl([{ content: 'a' }])).toThrow(
      'hf.jsonl:1 field "contributor": missing (expected an EVM address; give every record one with --contributor <address>, or name the field holding it with --map contributor=<field>)')
    expect(() => csv(`body\nx\n`, { map: ['content=body'] })).toThrow('sheet.csv:1 field "contributor": missing CSV column (give every record one with --contributor <address>, or name the field holding it with --map contributor=<field>)')
    expect(() => csv(`author,text\n${A},x\n`, { map: ['contributor=author', 'content=body'] })).toThrow('sheet.csv:1 field "body": no such CSV column (--map content=body reads content from it; columns: author, text)')
    expect(() => csv(`author,body,date\n${A},x,1\n`, { map: ['contributor=author', 'content=body'] })).toThrow(/sheet\.csv:1 field "date": unknown CSV column 3 \(.*--rest metadata\)/)
    expect(() => csv(`author,title\n${A},x\n`, { map: ['contributor=author'], rest: 'metadata' })).toThrow(/sheet\.csv:1 field "content": missing CSV column \(expected content or contentBase64, or name the column with --map content=<column>\)/)
  })
})

describe('readRecords', () => {
  it('infers the format from the extension and names the base file name in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-records-'))
    writeFileSync(join(dir, 'good.csv'), `contributor,content\n${A},hello\n`)
    writeFileSync(join(dir, 'bad.jsonl'), `{"contributor":"${A}","content":"a"}\nnot json\n`)
    writeFileSync(join(dir, 'notes.txt'), 'x')
    expect((await readRecords({ path: join(dir, 'good.csv') }))[0].content).toBe('hello')
    await expect(readRecords({ path: join(dir, 'bad.jsonl') })).rejects.toThrow(/^bad\.jsonl:2: malformed JSON/)
    await expect(readRecords({ path: join(dir, 'notes.txt') })).rejects.toThrow(/cannot tell the format from the extension "\.txt"/)
    await expect(readRecords({ path: join(dir, 'missing.jsonl') })).rejects.toThrow(/missing\.jsonl: cannot be read \(ENOENT\)/)
  })
})
