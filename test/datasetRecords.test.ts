import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getAddress } from 'ethers'
import { parseCsv, parseRecords, readRecords, RecordMalformedError, RecordFileError } from '../prover/dataset/index.ts'

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
    expect(bad({ contributor: A, content: 'x', label: 1 })).toThrow(/field "label": expected a string/)
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
