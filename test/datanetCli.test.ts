import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { openDatanetStore } from '../prover/datanet/index.ts'
import { parseRecords } from '../prover/dataset/index.ts'
import { runPoa } from './runPoa.ts'

const OWNER = '0x52908400098527886E0F7030069857D2E4169EE7'
const ALICE = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359'
const BOB = '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB'

const poa = runPoa

describe('poa datanet (spawned CLI)', () => {
  const home = mkdtempSync(join(tmpdir(), 'poa-cli-'))
  const jsonl = join(home, 'records.jsonl')
  const csv = join(home, 'more.csv')
  writeFileSync(jsonl, [
    { contributor: ALICE, content: 'first mail', label: 'ham' },
    { contributor: BOB.toLowerCase(), content: 'second mail', metadata: { id: 2 } },
  ].map((r) => JSON.stringify(r)).join('\n'))
  writeFileSync(csv, `contributor,content,label\n${ALICE},"third, with a comma\nand a newline",spam\n`)

  it('creates, imports JSONL then CSV, shows status, proves an old version and verifies it', () => {
    const created = poa(home, '--json', 'datanet', 'create', 'mail', '--owner', OWNER, '--depth', '10')
    expect(created.status).toBe(0)
    expect(created.json.result).toMatchObject({ id: 1, name: 'mail', owner: OWNER, depth: 10 })

    const v1 = poa(home, '--json', 'datanet', 'import', 'mail', jsonl)
    expect(v1.status).toBe(0)
    expect(v1.json.result).toMatchObject({ version: 1, recordCount: 2, added: 2, source: 'records.jsonl' })
    const v2 = poa(home, 'datanet', 'import', '1', csv, '--format', 'csv')
    expect(v2.status).toBe(0)
    expect(v2.stdout).toMatch(/imported 1 records into "mail": version 2, 3 records, root 0x[0-9a-f]{64}/)

    const status = poa(home, '--json', 'datanet', 'status', 'mail')
    expect(status.status).toBe(0)
    expect(status.json.result.versions.map((v: any) => v.recordCount)).toEqual([2, 3])
    expect(status.json.result.versions[0].root).toBe(v1.json.result.root)

    const out = join(home, 'proof.json')
    const proved = poa(home, 'datanet', 'prove', 'mail', '1', '--version', '1', '--out', out)
    expect(proved.status).toBe(0)
    const proof = JSON.parse(readFileSync(out, 'utf8'))
    expect(proof).toMatchObject({ format: 'poa-datanet-inclusion-v2', version: 1, leafIndex: 1, root: v1.json.result.root, contributor: BOB, depth: 10, label: null, labelHash: '0' })
    expect(proof.siblings).toHaveLength(10)

    const verified = poa(home, '--json', 'datanet', 'verify', out)
    expect(verified.status).toBe(0)
    expect(verified.json.result).toMatchObject({ valid: true, leafIndex: 1, label: null, checkedAgainst: 'local datanet "mail" v1' })
    // Record 0 is labelled "ham": its proof carries the label, and a proof relabelled by hand is refused (exit 4).
    const labelled = join(home, 'labelled.json')
    expect(poa(home, 'datanet', 'prove', 'mail', '0', '--out', labelled).status).toBe(0)
    const shown = poa(home, 'datanet', 'verify', labelled)
    expect(shown.stdout).toMatch(/with label "ham", checked against local datanet "mail" v2/)
    const relabelled = join(home, 'relabelled.json')
    writeFileSync(relabelled, JSON.stringify({ ...JSON.parse(readFileSync(labelled, 'utf8')), label: 'spam' }))
    const refused = poa(home, '--json', 'datanet', 'verify', relabelled)
    expect(refused.status).toBe(4)
    expect(refused.json.error.message).toMatch(/labelHash is not the hash of label "spam"/)
    expect(poa(home, 'datanet', 'verify', out, '--root', v1.json.result.root).status).toBe(0)
    // `poa verify` is for SNARK proof packages: it names the command that checks an inclusion proof.
    const misrouted = poa(home, '--json', 'verify', out)
    expect(misrouted.status).toBe(3)
    expect(misrouted.json.error.message).toMatch(/is a datanet inclusion proof \(poa datanet prove\), not a proof package: check it with `poa datanet verify`/)

    // Against the newer root, a version-1 proof fails with exit 4 (verification failed).
    const wrongRoot = poa(home, 'datanet', 'verify', out, '--root', v2.stdout.match(/root (0x[0-9a-f]{64})/)![1])
    expect(wrongRoot.status).toBe(4)
    expect(wrongRoot.stderr).toMatch(/inclusion proof rejected: the proof root is not the expected root/)

    const tampered = join(home, 'tampered.json')
    writeFileSync(tampered, JSON.stringify({ ...proof, siblings: [String(BigInt(proof.siblings[0]) + 1n), ...proof.siblings.slice(1)] }))
    const bad = poa(home, '--json', 'datanet', 'verify', tampered, '--home', join(home, 'elsewhere'))
    expect(bad.status).toBe(4)
    expect(bad.json.error).toMatchObject({ code: 'INCLUSION_PROOF_REJECTED' })
    expect(bad.json.error.message).toMatch(/the Merkle path does not lead to the proof root/)
  })

  it('exits 3 (2 for a flag that does not parse) with a message naming the input for bad owners, records, duplicates, datanets, positions and proof files', () => {
    const h = mkdtempSync(join(tmpdir(), 'poa-cli-bad-'))
    const owner = poa(h, 'datanet', 'create', 'x', '--owner', '0x12')
    expect(owner.status).toBe(3)
    expect(owner.stderr).toContain('owner: "0x12" is not a 20-byte address')
    const deep = poa(h, 'datanet', 'create', 'x', '--owner', OWNER, '--depth', 'deep')
    expect(deep.status).toBe(2) // a flag that does not parse is a usage error, as in every group
    expect(deep.stderr).toContain('--depth: expected an integer in [1, 32], got "deep"')
    expect(poa(h, 'datanet', 'create', 'x', '--owner', OWNER).status).toBe(0)

    const badRecords = join(h, 'records.jsonl')
    writeFileSync(badRecords, `${JSON.stringify({ contributor: ALICE, content: 'a' })}\n${JSON.stringify({ contributor: '0x12', content: 'b' })}\n`)
    const badImport = poa(h, '--json', 'datanet', 'import', 'x', badRecords)
    expect(badImport.status).toBe(3)
    expect(badImport.json.error).toMatchObject({ code: 'RECORD_MALFORMED', message: 'records.jsonl:2 field "contributor": "0x12" is not a 20-byte address (0x followed by 40 hex digits)', meta: { line: 2, field: 'contributor' } })

    const dup = join(h, 'dup.csv')
    writeFileSync(dup, `contributor,content\n${ALICE},same\n${BOB},other\n${ALICE.toLowerCase()},same\n`)
    const dupImport = poa(h, 'datanet', 'import', 'x', dup)
    expect(dupImport.status).toBe(3)
    expect(dupImport.stderr).toMatch(/dup\.csv:4: duplicate record .* already at dup\.csv:2/)
    expect(poa(h, '--json', 'datanet', 'status', 'x').json.result).toMatchObject({ recordCount: 0, versions: [] })

    const missing = poa(h, 'datanet', 'status', 'nope')
    expect(missing.status).toBe(3)
    expect(missing.stderr).toContain('datanet "nope" does not exist')

    writeFileSync(badRecords, `${JSON.stringify({ contributor: ALICE, content: 'a' })}\n`)
    expect(poa(h, 'datanet', 'import', 'x', badRecords).status).toBe(0)
    const position = poa(h, 'datanet', 'prove', 'x', '5')
    expect(position.status).toBe(3)
    expect(position.stderr).toContain('position = 5 is invalid: expected an integer in [0, 0] (version 1 has 1 records)')
    expect(poa(h, 'datanet', 'prove', 'x', '0', '--version', '2').stderr).toContain('datanet "x" has no version 2 (versions are 1..1)')

    const junk = join(h, 'junk.json')
    writeFileSync(junk, '{"format":"poa-datanet-inclusion-v2","depth":4}')
    const malformed = poa(h, 'datanet', 'verify', junk)
    expect(malformed.status).toBe(3)
    expect(malformed.stderr).toContain('junk.json field "leafIndex": expected an integer in [0, 15], got undefined')
    // A proof from before labels were committed names the format to make instead.
    const v1 = join(h, 'v1.json')
    writeFileSync(v1, '{"format":"poa-datanet-inclusion-v1","depth":4}')
    const old = poa(h, 'datanet', 'verify', v1)
    expect(old.status).toBe(3)
    expect(old.stderr).toMatch(/v1\.json field "format": "poa-datanet-inclusion-v1" proves a leaf Poseidon\(contributor, contentHash\) without the label.*"poa datanet prove"/)
    const absent = poa(h, 'datanet', 'verify', join(h, 'absent.json'))
    expect(absent.status).toBe(3)
    expect(absent.stderr).toContain('absent.json: cannot be read (ENOENT)')
    const badRoot = poa(h, 'datanet', 'verify', junk, '--root', 'xyz')
    expect(badRoot.status).toBe(2)
    expect(badRoot.stderr).toContain('--root: expected a field element in decimal or 0x-hex, got "xyz"')

    // A choice commander rejects before the action is a usage error (2).
    expect(poa(h, 'datanet', 'import', 'x', badRecords, '--format', 'xml').status).toBe(2)
  })

  it('imports a foreign-shape JSONL with --map, --contributor and --rest metadata to the root of the same records in poa\'s shape', async () => {
    // Async spawns, so the worker keeps its event loop while the CLI runs.
    const poaAsync = async (h: string, ...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--home', h, '--json', ...args], { cwd: PACKAGE_ROOT })
        return { status: 0, stdout, stderr, json: JSON.parse(stdout.trim().split('\n').pop()!) }
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string }
        return { status: e.code, stdout: e.stdout, stderr: e.stderr, json: JSON.parse(e.stdout.trim().split('\n').pop() || 'null') }
      }
    }
    const h = mkdtempSync(join(tmpdir(), 'poa-cli-shape-'))
    const foreign = join(h, 'hf.jsonl')
    writeFileSync(foreign, [
      { text: 'a review', label: 2, date: '2024-01-02' },
      { text: 'by bob', label: 0, author: BOB.toLowerCase() },
    ].map((r) => JSON.stringify(r)).join('\n'))
    expect((await poaAsync(h, 'datanet', 'create', 'foreign', '--owner', OWNER, '--depth', '4')).status).toBe(0)
    const imported = await poaAsync(h, 'datanet', 'import', 'foreign', foreign, '--map', 'content=text', '--map', 'contributor=author', '--contributor', ALICE.toLowerCase(), '--rest', 'metadata')
    expect(imported.status, imported.stderr).toBe(0)
    expect(imported.json.result).toMatchObject({ added: 2, recordCount: 2 })
    // The same records in poa's own shape, imported in-process (two spawns fewer).
    const own = [{ contributor: ALICE, content: 'a review', label: '2' }, { contributor: BOB, content: 'by bob', label: '0' }].map((r) => JSON.stringify(r)).join('\n')
    const store = openDatanetStore({ home: mkdtempSync(join(tmpdir(), 'poa-cli-own-')) })
    try {
      store.createDatanet({ name: 'own', owner: OWNER, depth: 4 })
      const reference = await store.importRecords('own', { records: parseRecords({ text: own, file: 'own.jsonl', format: 'jsonl' }), workers: 1 })
      expect(imported.json.result.root).toBe(String(reference.root))
    } finally {
      store.close()
    }
    // A map entry naming no record field is a usage error (exit 2) naming the option; nothing is imported.
    const bad = await poaAsync(h, 'datanet', 'import', 'foreign', foreign, '--map', 'body=text')
    expect(bad.status).toBe(2)
    expect(bad.json.error).toMatchObject({ code: 'RECORD_SHAPE_OPTION', message: '--map body=text: "body" is not a record field (expected one of contributor, content, contentBase64, label, metadata)' })
  })
})
