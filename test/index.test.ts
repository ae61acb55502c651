import { describe, it, expect, beforeAll } from 'vitest'
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { recordLeafOf } from '../prover/datanet/recordLeaf.ts'
import { buildMerkleTree, getQuaternaryProof, verifyQuaternaryProof } from '../prover/merkle/index.ts'
import { trainModel, buildModelIndex, recordFeatures, RecordLeafMismatchError, type IndexRecord } from '../prover/influence/index.ts'
import {
  saveAttributionIndex, loadAttributionIndex, assertIndexMatchesDatanet, indexDir, indexFeatures,
  IndexDatanetMismatchError, DatanetRootMismatchError, indexLeaf, type DatanetRef,
} from '../prover/index/index.ts'

const DEPTH = 20
let records: (IndexRecord & { content: string })[]
let datanet: DatanetRef

async function toIndexRecords(mails: ReturnType<typeof loadSpamAssassin>): Promise<(IndexRecord & { content: string })[]> {
  return Promise.all(mails.map(async (m) => ({ ...m, datanetLabel: m.label, leaf: await recordLeafOf(m) })))
}

beforeAll(async () => {
  records = await toIndexRecords(loadSpamAssassin({ limit: 200, seed: 11 }))
  const tree = await buildMerkleTree({ leaves: records.map((r) => r.leaf), depth: DEPTH })
  datanet = { id: 'spam-assassin', version: 1, root: tree.root }
})

describe('attribution index', () => {
  it('gives the same model hash and the same index root when built twice from the same seed', async () => {
    const build = async () => {
      const model = await trainModel({ name: 'det', records, projection: { kind: 'trak', k: 16, seed: 5 } })
      const { index } = await buildModelIndex({ model, records, datanet, provider: 'cpu' })
      return { model, index }
    }
    const a = await build()
    const b = await build()
    expect(a.model.manifest.modelSha256).toBe(b.model.manifest.modelSha256)
    expect(a.model.manifest.featuresSha256).toBe(b.model.manifest.featuresSha256)
    expect(a.index.manifest.root).toBe(b.index.manifest.root)
    expect(Buffer.from(a.index.features.buffer).equals(Buffer.from(b.index.features.buffer))).toBe(true)
    // A different projection seed commits to different features, hence a different root.
    const other = await trainModel({ name: 'det', records, projection: { kind: 'trak', k: 16, seed: 6 } })
    const { index: otherIndex } = await buildModelIndex({ model: other, records, datanet, provider: 'cpu' })
    expect(otherIndex.manifest.root).not.toBe(a.index.manifest.root)
  })

  it('binds leaf i to record i and its features, opens in the index tree, and survives save/load', async () => {
    const model = await trainModel({ name: 'io', records, projection: { k: 16 } })
    const { index, provider } = await buildModelIndex({ model, records, datanet })
    expect(provider).toBe('cpu')
    expect(index.manifest.count).toBe(200)
    expect(index.manifest.treeDepth).toBe(DEPTH)
    const i = 37
    expect(index.leaves[i]).toBe(await indexLeaf({ recordLeaf: records[i].leaf, features: indexFeatures(index, i) }))
    expect(index.manifest.indexTree).toEqual({ arity: 4, levels: Math.ceil(DEPTH / 2) })
    expect(await verifyQuaternaryProof(getQuaternaryProof(index.tree, i))).toBe(true)
    // The auditor's path: recompute a few candidates' features at the index's scale, compare.
    const picks = [0, 37, 199]
    const again = await recordFeatures({ model, records: picks.map((p) => records[p]), featureFracBits: index.manifest.featureFracBits })
    picks.forEach((p, j) => expect(Array.from(again.features.subarray(j * 16, (j + 1) * 16), BigInt)).toEqual(indexFeatures(index, p)))
    const home = await mkdtemp(join(tmpdir(), 'poa-index-'))
    try {
      const dir = indexDir(join(home, 'models', 'io'), datanet.id, datanet.version)
      await saveAttributionIndex(dir, index)
      const loaded = await loadAttributionIndex(dir)
      expect(loaded.manifest).toEqual(index.manifest)
      expect(loaded.tree.root).toBe(index.tree.root)
      expect(Array.from(loaded.features)).toEqual(Array.from(index.features))
      // An index written by poa 0.1 (binary index tree) is refused with the way out, not misread.
      const manifestFile = join(dir, 'index.json')
      await writeFile(manifestFile, JSON.stringify({ ...index.manifest, format: 'poa-index-v1' }))
      await expect(loadAttributionIndex(dir)).rejects.toThrow(/format poa-index-v1 is not poa-index-v2 .*rebuild it with "poa model index"/)
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  })

  it('replaces a saved index whole, ignores what a killed save left beside it, and recovers from a kill between its renames', async () => {
    const first = (await buildModelIndex({ model: await trainModel({ name: 'a', records, projection: { kind: 'trak', k: 16, seed: 1 } }), records, datanet, provider: 'cpu' })).index
    const second = (await buildModelIndex({ model: await trainModel({ name: 'a', records, projection: { kind: 'trak', k: 16, seed: 2 } }), records, datanet, provider: 'cpu' })).index
    const home = await mkdtemp(join(tmpdir(), 'poa-index-swap-'))
    try {
      const dir = indexDir(join(home, 'models', 'a'), datanet.id, datanet.version)
      await saveAttributionIndex(dir, first)
      // A save killed half way: new features in a temporary folder, never under the old manifest.
      await mkdir(`${dir}.tmp-999999-x`)
      await writeFile(join(`${dir}.tmp-999999-x`, 'features.i16'), new Uint8Array(second.features.buffer))
      expect((await loadAttributionIndex(dir)).tree.root).toBe(first.tree.root)
      await saveAttributionIndex(dir, second)
      const loaded = await loadAttributionIndex(dir)
      expect(loaded.tree.root).toBe(second.tree.root)
      expect(Array.from(loaded.features)).toEqual(Array.from(second.features))
      expect((await readdir(dirname(dir))).filter((f) => f.includes('.old-') || f.includes('.tmp-'))).toEqual([])
      // Killed between the save's two renames (its pid dead): the index is moved aside, the new one
      // is complete or not. The next load puts back the complete new one, else the previous one.
      await rename(dir, `${dir}.old-999999-a`)
      await mkdir(`${dir}.tmp-999999-b`)
      expect((await loadAttributionIndex(dir)).tree.root).toBe(second.tree.root)
      const aside = join(home, 'aside')
      await saveAttributionIndex(aside, first)
      await rename(dir, `${dir}.old-999999-c`)
      await rename(aside, `${dir}.tmp-999999-d`)
      expect((await loadAttributionIndex(dir)).tree.root).toBe(first.tree.root)
      // The next save removes what dead processes left.
      await saveAttributionIndex(dir, second)
      expect((await readdir(dirname(dir))).filter((f) => f.includes('.old-') || f.includes('.tmp-'))).toEqual([])
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  })

  it('refuses an index built from another datanet version', async () => {
    const model = await trainModel({ name: 'v', records, projection: { kind: 'trak', k: 16 } })
    const { index } = await buildModelIndex({ model, records, datanet })
    expect(() => assertIndexMatchesDatanet(index.manifest, datanet)).not.toThrow()
    const v2 = { ...datanet, version: 2 }
    expect(() => assertIndexMatchesDatanet(index.manifest, v2)).toThrow(IndexDatanetMismatchError)
    expect(() => assertIndexMatchesDatanet(index.manifest, v2)).toThrow(/built from datanet version 1: expected 2/)
    expect(() => assertIndexMatchesDatanet(index.manifest, { ...datanet, root: datanet.root + 1n })).toThrow(/datanet root/)
    expect(() => assertIndexMatchesDatanet(index.manifest, { ...datanet, id: 'other' })).toThrow(/datanet id spam-assassin: expected other/)
  })

  it('refuses records whose leaves do not hash to the stated datanet root, or do not match their content', async () => {
    const model = await trainModel({ name: 'r', records, projection: { kind: 'trak', k: 16 } })
    await expect(buildModelIndex({ model, records, datanet: { ...datanet, root: 123n } })).rejects.toThrow(DatanetRootMismatchError)
    const tampered = records.map((r, i) => (i === 3 ? { ...r, content: `${r.content} ` } : r))
    await expect(buildModelIndex({ model, records: tampered, datanet })).rejects.toThrow(RecordLeafMismatchError)
    await expect(buildModelIndex({ model, records: tampered, datanet })).rejects.toThrow(/record 3: leaf/)
    // The leaf commits the label: a record relabelled after the datanet was built is refused too.
    const relabelled = records.map((r, i) => (i === 5 ? { ...r, datanetLabel: r.datanetLabel === 'spam' ? 'ham' : 'spam' } : r))
    await expect(buildModelIndex({ model, records: relabelled, datanet })).rejects.toThrow(/record 5: leaf/)
  })
})
