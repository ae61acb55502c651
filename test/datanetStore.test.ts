import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import Database from 'better-sqlite3'
import { Wallet } from 'ethers'
import { existsSync } from 'node:fs'
import {
  openDatanetStore, recordLeaf, recordLeafOf, contentHash, labelHash, migrateDatanetStore, proveRecordInclusion, verifyRecordInclusion, parseInclusionProof,
  DatanetStoreFormatError, InclusionProofRejectedError, InclusionProofMalformedError, type DatanetStore, type ImportRecord,
} from '../prover/datanet/index.ts'
import { buildMerkleTree, verifyMerkleProof } from '../prover/merkle/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { jsonSafe } from '../prover/errors/index.ts'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

const OWNER = '0x52908400098527886E0F7030069857D2E4169EE7'
const people = Array.from({ length: 4 }, (_, i) => new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`).address)
const rec = (i: number, who = people[i % people.length]): ImportRecord => ({ contributor: who, content: `record number ${i}`, label: i % 2 ? 'spam' : 'ham' })

const stores: DatanetStore[] = []
function freshStore(): { store: DatanetStore; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'poa-store-'))
  const store = openDatanetStore({ home })
  stores.push(store)
  return { store, home }
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

describe('datanet store', () => {
  it('creates datanets found by id or name and refuses bad names, owners, depths and duplicates', () => {
    const { store } = freshStore()
    const made = store.createDatanet({ name: 'mail', owner: OWNER.toLowerCase(), depth: 8 })
    expect(made).toMatchObject({ name: 'mail', owner: OWNER, depth: 8, recordCount: 0, latestVersion: 0 })
    expect(store.getDatanet(made.id)).toEqual(made)
    expect(store.getDatanet(String(made.id))).toEqual(made)
    expect(store.getDatanet('mail')).toEqual(made)
    expect(store.createDatanet({ name: 'law', owner: OWNER }).depth).toBe(20)
    expect(store.listDatanets().map((d) => d.name)).toEqual(['mail', 'law'])
    expect(() => store.getDatanet('nope')).toThrow('datanet "nope" does not exist')
    expect(() => store.getDatanet(99)).toThrow(expect.objectContaining({ code: 'DATANET_NOT_FOUND' }))
    expect(() => store.createDatanet({ name: 'mail', owner: OWNER })).toThrow('datanet "mail" already exists (id 1)')
    expect(() => store.createDatanet({ name: '42', owner: OWNER })).toThrow(/name = "42" is invalid/)
    expect(() => store.createDatanet({ name: 'x', owner: '0x12' })).toThrow('owner: "0x12" is not a 20-byte address')
    expect(() => store.createDatanet({ name: 'y', owner: OWNER, depth: 33 })).toThrow(/depth = 33 is invalid: expected an integer in \[1, 32\]/)
  })

  it('appends versions whose roots match an independent tree and keeps older versions provable', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'mail', owner: OWNER, depth: 6 })
    const v1 = await store.importRecords('mail', { records: [0, 1, 2].map((i) => rec(i)), source: 'a.jsonl' })
    const v2 = await store.importRecords('mail', { records: [3, 4].map((i) => rec(i)) })
    expect([v1.version, v1.recordCount, v2.version, v2.recordCount]).toEqual([1, 3, 2, 5])
    expect(v1.source).toBe('a.jsonl')
    const leaves = await Promise.all([0, 1, 2, 3, 4].map((i) => recordLeafOf(rec(i))))
    expect(v1.root).toBe((await buildMerkleTree({ leaves: leaves.slice(0, 3), depth: 6 })).root)
    expect(v2.root).toBe((await buildMerkleTree({ leaves, depth: 6 })).root)
    expect(v1.root).not.toBe(v2.root)
    expect(store.getVersion('mail', 1)).toEqual(v1)
    expect(store.getVersion('mail')).toEqual(v2)
    expect(store.listVersions('mail').map((v) => v.root)).toEqual([v1.root, v2.root])
    expect(store.getLeaves('mail', 1)).toEqual(leaves.slice(0, 3))

    const records = store.getRecords('mail', 1)
    expect(records.map((r) => [r.position, r.content, r.label, r.version])).toEqual([
      [0, 'record number 0', 'ham', 1], [1, 'record number 1', 'spam', 1], [2, 'record number 2', 'ham', 1],
    ])
    expect(records[1].leaf).toBe(leaves[1])

    const old = await store.proveRecord('mail', 1, 2)
    expect(old.root).toBe(v1.root)
    expect(await verifyMerkleProof(old)).toBe(true)
    const latest = await store.proveRecord('mail', undefined, 4)
    expect(latest.root).toBe(v2.root)
    expect(await verifyMerkleProof(latest)).toBe(true)
    await expect(store.proveRecord('mail', 1, 3)).rejects.toThrow(/position = 3 is invalid: expected an integer in \[0, 2\] \(version 1 has 3 records\)/)
    expect(() => store.getVersion('mail', 3)).toThrow('datanet "mail" has no version 3 (versions are 1..2)')
  })

  it('gets the same leaves and roots from the native and the WebAssembly hashers', async () => {
    const { store } = freshStore()
    const many = Array.from({ length: 300 }, (_, i) => rec(i))
    store.createDatanet({ name: 'n', owner: OWNER, depth: 9 })
    store.createDatanet({ name: 'j', owner: OWNER, depth: 9 })
    const native = await store.importRecords('n', { records: many, backend: 'native', workers: 2 })
    const js = await store.importRecords('j', { records: many, backend: 'js' })
    expect(native.root).toBe(js.root)
    expect(store.getLeaves('n')).toEqual(store.getLeaves('j'))
    expect((await store.buildTree('n', 1, { backend: 'js' })).root).toBe(native.root)
  })

  it('keeps binary content and metadata byte for byte', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'bin', owner: OWNER, depth: 4 })
    const bytes = new Uint8Array([0, 255, 10, 13, 0])
    await store.importRecords('bin', { records: [{ contributor: people[0], content: bytes, metadata: { n: [1, 2], s: 'x' } }] })
    const [r] = store.getRecords('bin')
    expect(r.content).toEqual(bytes)
    expect(r.metadata).toEqual({ n: [1, 2], s: 'x' })
    expect(r.contentHash).toBe(contentHash(bytes))
  })

  it('refuses duplicates within a batch and against stored records, naming both places', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'd', owner: OWNER, depth: 4 })
    const inFile = [rec(0), rec(1), rec(0)].map((r, i) => ({ ...r, source: { file: 'records.jsonl', line: i + 1 } }))
    await expect(store.importRecords('d', { records: inFile })).rejects.toThrow(/^records\.jsonl:3: duplicate record \(contributor 0x.*\) already at records\.jsonl:1$/)
    await store.importRecords('d', { records: [{ ...rec(5), source: { file: 'first.csv', line: 7 } }] })
    await expect(store.importRecords('d', { records: [rec(6), { ...rec(5), source: { file: 'second.csv', line: 2 } }] })).rejects.toThrow(
      /^second\.csv:2: duplicate record .* already at datanet "d" position 0 \(imported from first\.csv:7\)$/,
    )
    // The same content from another contributor is a different record.
    await store.importRecords('d', { records: [rec(5, people[3])] })
    expect(store.getDatanet('d').recordCount).toBe(2)
  })

  it('refuses an import past 2^depth, an empty import, and bad records given through the API', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'tiny', owner: OWNER, depth: 2 })
    await expect(store.importRecords('tiny', { records: [0, 1, 2, 3, 4].map((i) => rec(i)) })).rejects.toThrow('datanet "tiny" (depth 2) holds at most 4 records: has 0, adding 5')
    await expect(store.importRecords('tiny', { records: [] })).rejects.toThrow(/records = 0 is invalid/)
    await expect(store.importRecords('tiny', { records: [{ contributor: '0x12', content: 'x' }] })).rejects.toThrow('records:1 field "contributor": "0x12" is not a 20-byte address')
    await expect(store.importRecords('nope', { records: [rec(0)] })).rejects.toThrow(expect.objectContaining({ code: 'DATANET_NOT_FOUND' }))
  })

  it('rolls back a whole import when a hook throws mid-way, and when aborted', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'tx', owner: OWNER, depth: 8 })
    const v1 = await store.importRecords('tx', { records: [0, 1].map((i) => rec(i)) })
    const seen: number[] = []
    const failing = store.importRecords('tx', {
      records: [2, 3, 4, 5].map((i) => rec(i)),
      onRecord: ({ position }) => {
        seen.push(position)
        if (position === 4) throw new Error('disk on fire')
      },
    })
    await expect(failing).rejects.toThrow('disk on fire')
    expect(seen).toEqual([2, 3, 4])
    expect(store.getDatanet('tx')).toMatchObject({ recordCount: 2, latestVersion: 1 })
    expect(store.getRecords('tx')).toHaveLength(2)
    const controller = new AbortController()
    controller.abort()
    await expect(store.importRecords('tx', { records: [rec(9)], signal: controller.signal })).rejects.toThrow(/was aborted before it committed/)
    const v2 = await store.importRecords('tx', { records: [2, 3].map((i) => rec(i)) })
    expect(v2.version).toBe(2)
    expect((await store.buildTree('tx', 1)).root).toBe(v1.root)
  })

  it('loses nothing committed when the importing process is killed with SIGKILL mid-transaction', async () => {
    const { store, home } = freshStore()
    store.createDatanet({ name: 'crash', owner: OWNER, depth: 12 })
    const v1 = await store.importRecords('crash', { records: [0, 1, 2].map((i) => rec(i)) })
    store.close()
    stores.pop()
    const script = join(home, 'child.mts')
    writeFileSync(script, `
      import { openDatanetStore } from ${JSON.stringify(join(PACKAGE_ROOT, 'prover/datanet/index.ts'))}
      const store = openDatanetStore({ home: ${JSON.stringify(home)} })
      const records = Array.from({ length: 2000 }, (_, i) => ({ contributor: ${JSON.stringify(people[1])}, content: 'bulk ' + i }))
      await store.importRecords('crash', { records, onRecord: ({ position }) => {
        if (position === 1000) {
          process.stdout.write('MID\\n') // synchronous on a pipe
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000) // hold the open transaction
        }
      } })
      process.stdout.write('COMMITTED\\n')
    `)
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('MID')) resolve()
      })
      child.on('exit', () => reject(new Error(`child exited before the kill point: ${out}`)))
    })
    const exited = new Promise((r) => child.on('exit', (_code, signal) => r(signal)))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(out).not.toContain('COMMITTED')

    const reopened = openDatanetStore({ home })
    stores.push(reopened)
    expect(reopened.getDatanet('crash')).toMatchObject({ recordCount: 3, latestVersion: 1 })
    expect((await reopened.buildTree('crash', 1)).root).toBe(v1.root)
    const v2 = await reopened.importRecords('crash', { records: [rec(3)] })
    expect(v2).toMatchObject({ version: 2, recordCount: 4 })
  })

  it('refuses to commit an import when another writer appended after it started, writing nothing', async () => {
    const { store, home } = freshStore()
    store.createDatanet({ name: 'race', owner: OWNER, depth: 12 })
    const other = openDatanetStore({ home })
    stores.push(other)
    // The slow import yields while checking its 2048 records; the quick one commits meanwhile.
    const slow = store.importRecords('race', { records: Array.from({ length: 2048 }, (_, i) => rec(100 + i)), backend: 'js' })
    const quick = await other.importRecords('race', { records: [rec(0)] })
    await expect(slow).rejects.toThrow('datanet "race" changed during the import (expected 0 records, found 1); nothing was written, retry')
    expect(store.getDatanet('race')).toMatchObject({ recordCount: 1, latestVersion: 1 })
    expect(store.getVersion('race').root).toBe(quick.root)
  })

  it('records the on-chain commit of a version and validates it', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'c', owner: OWNER, depth: 4 })
    await store.importRecords('c', { records: [rec(0)] })
    const txHash = `0x${'ab'.repeat(32)}`
    const v = store.recordVersionCommit({ datanet: 'c', version: 1, txHash, blockNumber: 7, chainId: 31337n, registry: OWNER.toLowerCase() })
    expect(v.commit).toMatchObject({ txHash, blockNumber: 7, chainId: 31337, registry: OWNER })
    expect(store.getVersion('c', 1).commit?.txHash).toBe(txHash)
    expect(() => store.recordVersionCommit({ datanet: 'c', version: 1, txHash: '0x12', blockNumber: 7, chainId: 1, registry: OWNER })).toThrow(/txHash = "0x12" is invalid/)
    expect(() => store.recordVersionCommit({ datanet: 'c', version: 2, txHash, blockNumber: 7, chainId: 1, registry: OWNER })).toThrow(/has no version 2/)
    expect(() => store.recordVersionCommit({ datanet: 'c', version: 1, txHash, blockNumber: -1, chainId: 1, registry: OWNER })).toThrow(/blockNumber = -1/)
  })

  it('keeps records append-only and detects leaves edited behind its back', async () => {
    const { store } = freshStore()
    store.createDatanet({ name: 'e', owner: OWNER, depth: 4 })
    await store.importRecords('e', { records: [rec(0), rec(1)] })
    const raw = new Database(store.path)
    expect(() => raw.prepare('DELETE FROM records').run()).toThrow('datanet records are append-only')
    expect(() => raw.prepare("UPDATE records SET label = 'x'").run()).toThrow('datanet records are append-only')
    raw.exec('DROP TRIGGER records_no_update')
    raw.prepare('UPDATE records SET leaf = ? WHERE position = 1').run('1'.padStart(64, '0'))
    raw.close()
    await expect(store.buildTree('e', 1)).rejects.toThrow(/stored leaves give root 0x[0-9a-f]+, the version records 0x/)
  })

  it('commits labels: one relabelled record changes the root and its inclusion proof; no label is labelHash 0', async () => {
    const { store } = freshStore()
    const records = [0, 1, 2, 3].map((i) => rec(i))
    store.createDatanet({ name: 'a', owner: OWNER, depth: 4 })
    store.createDatanet({ name: 'b', owner: OWNER, depth: 4 })
    const a = await store.importRecords('a', { records })
    const b = await store.importRecords('b', { records: records.map((r, i) => (i === 2 ? { ...r, label: 'phishing' } : r)) })
    expect(b.root).not.toBe(a.root)
    const [la, lb] = [store.getLeaves('a'), store.getLeaves('b')]
    expect(lb.map((leaf, i) => leaf === la[i])).toEqual([true, true, false, true])
    expect(lb[2]).toBe(await recordLeaf({ contributor: records[2].contributor, contentHash: contentHash(records[2].content), labelHash: labelHash('phishing') }))
    // An unlabelled record hashes its label as 0; "" is a label of its own.
    expect(labelHash(undefined)).toBe(0n)
    expect(labelHash('')).not.toBe(0n)
    expect(await recordLeafOf({ ...records[0], label: undefined })).not.toBe(await recordLeafOf({ ...records[0], label: '' }))

    const pa = await proveRecordInclusion(store, 'a', 1, 2)
    const pb = await proveRecordInclusion(store, 'b', 1, 2)
    expect([pa.label, pb.label]).toEqual(['ham', 'phishing'])
    expect(pb.leaf).not.toBe(pa.leaf)
    await expect(verifyRecordInclusion(pb, { expectedRoot: b.root })).resolves.toEqual({ root: b.root, leafIndex: 2 })
    // The old label's proof does not open the new root.
    await expect(verifyRecordInclusion(pa, { expectedRoot: b.root })).rejects.toThrow(/the proof root is not the expected root/)
    // A proof whose label was edited is refused, with or without its labelHash recomputed.
    await expect(verifyRecordInclusion({ ...pb, label: 'ham' })).rejects.toThrow(InclusionProofRejectedError)
    await expect(verifyRecordInclusion({ ...pb, label: 'ham', labelHash: labelHash('ham') })).rejects.toThrow(/leaf is not Poseidon\(contributor, contentHash, labelHash\)/)
    // The JSON form carries the label; a v1 proof (no label) is refused, naming v2.
    const json = JSON.parse(JSON.stringify(jsonSafe(pb)))
    expect(parseInclusionProof(json, 'p.json')).toEqual(pb)
    expect(() => parseInclusionProof({ ...json, format: 'poa-datanet-inclusion-v1' }, 'p.json')).toThrow(/poa-datanet-inclusion-v1.*without the label.*poa-datanet-inclusion-v2/)
    expect(() => parseInclusionProof({ ...json, label: 7 }, 'p.json')).toThrow(InclusionProofMalformedError)
  })

  it('refuses a schema-1 store (leaves without labels), naming the migration, and migrates it keeping the old file', async () => {
    const { store, home } = freshStore()
    store.createDatanet({ name: 'old', owner: OWNER, depth: 5 })
    store.createDatanet({ name: 'bin', owner: OWNER, depth: 3 })
    const v1 = await store.importRecords('old', { records: [0, 1, 2].map((i) => rec(i)), source: 'a.jsonl' })
    const v2 = await store.importRecords('old', { records: [{ ...rec(3), label: undefined, metadata: { m: 1 } }] })
    await store.importRecords('bin', { records: [{ contributor: people[1], content: new Uint8Array([0, 255]) }] })
    const txHash = `0x${'ab'.repeat(32)}`
    store.recordVersionCommit({ datanet: 'old', version: 1, txHash, blockNumber: 3, chainId: 31337, registry: OWNER })
    const before = store.getRecords('old')
    store.close()
    stores.splice(stores.indexOf(store), 1)
    // Rewrite the file as poa before issue 15 wrote it: Poseidon(contributor, contentHash) leaves, their roots, user_version 1.
    const poseidon = await getPoseidon()
    const raw = new Database(join(home, 'poa.sqlite'))
    raw.exec('DROP TRIGGER records_no_update')
    const oldLeaves = new Map<number, bigint[]>()
    for (const row of raw.prepare('SELECT datanet_id, position, contributor, content_hash FROM records ORDER BY datanet_id, position').all() as { datanet_id: number; position: number; contributor: string; content_hash: string }[]) {
      const leaf = poseidon.hash([BigInt(row.contributor), BigInt(`0x${row.content_hash}`)])
      raw.prepare('UPDATE records SET leaf = ? WHERE datanet_id = ? AND position = ?').run(leaf.toString(16).padStart(64, '0'), row.datanet_id, row.position)
      oldLeaves.set(row.datanet_id, [...(oldLeaves.get(row.datanet_id) ?? []), leaf])
    }
    const oldRoots: bigint[] = []
    for (const v of raw.prepare('SELECT datanet_id, version, record_count FROM versions ORDER BY datanet_id, version').all() as { datanet_id: number; version: number; record_count: number }[]) {
      const depth = (raw.prepare('SELECT depth FROM datanets WHERE id = ?').get(v.datanet_id) as { depth: number }).depth
      const root = (await buildMerkleTree({ leaves: oldLeaves.get(v.datanet_id)!.slice(0, v.record_count), depth })).root
      raw.prepare('UPDATE versions SET root = ? WHERE datanet_id = ? AND version = ?').run(root.toString(16).padStart(64, '0'), v.datanet_id, v.version)
      oldRoots.push(root)
    }
    raw.pragma('user_version = 1')
    raw.close()

    expect(() => openDatanetStore({ home })).toThrow(DatanetStoreFormatError)
    expect(() => openDatanetStore({ home })).toThrow(/schema 1: its 5 records have leaves Poseidon\(contributor, contentHash\), which do not commit labels.*Run "poa datanet migrate"/)

    const migrated = await migrateDatanetStore({ home })
    expect(migrated).toMatchObject({ migrated: true, fromSchema: 1, keptAs: join(home, 'poa.schema1.sqlite') })
    // Same version boundaries; the new roots are exactly those a fresh import under today's leaves gives.
    expect(migrated.datanets.map((d) => [d.id, d.name, d.versions.map((v) => [v.version, v.recordCount])])).toEqual([[1, 'old', [[1, 3], [2, 4]]], [2, 'bin', [[1, 1]]]])
    expect(migrated.datanets[0].versions.map((v) => v.root)).toEqual([v1.root, v2.root])
    expect(migrated.datanets.flatMap((d) => d.versions.map((v) => v.oldRoot))).toEqual(oldRoots)
    expect(migrated.datanets[0].versions[0].oldCommit).toEqual({ txHash, chainId: 31337, registry: OWNER })
    const after = openDatanetStore({ home })
    stores.push(after)
    expect(after.getRecords('old').map(({ leaf: _l, ...r }) => r)).toEqual(before.map(({ leaf: _l, ...r }) => r))
    expect(after.getRecords('bin')[0].content).toEqual(new Uint8Array([0, 255]))
    expect(after.getVersion('old', 1).commit).toBeUndefined()
    expect(after.getVersion('old', 1).source).toMatch(/^migrated from schema 1 v1 \(root 0x[0-9a-f]+, committed in 0xabab.* on chain 31337\): a.jsonl$/)
    // The old file is kept as it was: its roots and commit records stay readable.
    const kept = new Database(join(home, 'poa.schema1.sqlite'), { readonly: true })
    expect(kept.pragma('user_version', { simple: true })).toBe(1)
    expect((kept.prepare('SELECT tx_hash FROM versions WHERE datanet_id = 1 AND version = 1').get() as { tx_hash: string }).tx_hash).toBe(txHash)
    kept.close()
    expect(await migrateDatanetStore({ home })).toMatchObject({ migrated: false })
    expect(existsSync(join(home, 'poa.sqlite'))).toBe(true)
  })
})
