import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { recordLeavesOf } from '../prover/datanet/recordLeaf.ts'
import { buildMerkleTree } from '../prover/merkle/index.ts'
import { buildModelIndex, saveModel, streamModelIndex, trainModel, IndexBatchSizeError, RecordLeafMismatchError, type IndexRecord } from '../prover/influence/index.ts'
import { saveAttributionIndex, loadAttributionIndex, IndexBuildCheckpointError, type DatanetRef } from '../prover/index/index.ts'
import { openDatanetStore } from '../prover/datanet/index.ts'
import { indexModel } from '../prover/app/indexModel.ts'
import { modelDir } from '../prover/influence/index.ts'

// 1,100 records: two full batches of 512 and a ragged third, so an abort lands between checkpoints.
const COUNT = 1100
const DEPTH = 11
const FILES = ['features.i16', 'recordLeaves.bin', 'leaves.bin', 'index.json']
let records: (IndexRecord & { content: string })[]
let datanet: DatanetRef
let model: Awaited<ReturnType<typeof trainModel>>
let home: string
let reference: string

beforeAll(async () => {
  const mails = loadSpamAssassin({ limit: COUNT, seed: 4 })
  const leaves = await recordLeavesOf(mails)
  records = mails.map((m, i) => ({ ...m, datanetLabel: m.label, leaf: leaves[i] }))
  datanet = { id: 'spam', version: 1, root: (await buildMerkleTree({ leaves, depth: DEPTH, backend: 'auto' })).root }
  model = await trainModel({ name: 'stream', records: records.slice(0, 200), projection: { kind: 'trak', k: 16, seed: 3 } })
  home = await mkdtemp(join(tmpdir(), 'poa-index-stream-'))
  // The in-memory build hashed in WebAssembly is the reference every streamed build must equal byte for byte.
  reference = join(home, 'reference')
  const { index } = await buildModelIndex({ model, records, datanet, treeDepth: DEPTH, provider: 'cpu', backend: 'js' })
  await saveAttributionIndex(reference, index)
})

afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

async function expectSameFiles(dir: string): Promise<void> {
  for (const f of FILES) expect((await readFile(join(dir, f))).equals(await readFile(join(reference, f))), f).toBe(true)
}

describe('streaming index build', () => {
  it('resumes an aborted build from its last checkpoint without redoing finished batches and installs the same bytes as the in-memory build', async () => {
    const dir = join(home, 'aborted')
    const abort = new AbortController()
    await expect(streamModelIndex({
      model, records, datanet, dir, treeDepth: DEPTH, batchSize: 512, backend: 'native', signal: abort.signal,
      onProgress: ({ done, unit }) => unit === 'records' && done === 1024 && abort.abort(new Error('stop at 1024')),
    })).rejects.toThrow(/stop at 1024/)
    expect(existsSync(dir)).toBe(false)
    const checkpoint = JSON.parse(await readFile(join(`${dir}.build`, 'build.json'), 'utf8'))
    expect(checkpoint).toMatchObject({ phase: 'features', featuresDone: 1024, leavesDone: 0 })
    // A batch killed after writing part of its rows: bytes past the checkpoint must be cut off, not kept.
    await appendFile(join(`${dir}.build`, 'features.f32'), new Uint8Array(4 * 16 * 7).fill(0x7f))
    await appendFile(join(`${dir}.build`, 'recordLeaves.bin'), new Uint8Array(32 * 3).fill(1))
    const reads: number[] = []
    const source = { count: COUNT, read: (start: number, end: number) => (reads.push(start), records.slice(start, end)) }
    const done = await streamModelIndex({ model, records: source, datanet, dir, treeDepth: DEPTH, batchSize: 512, backend: 'native', threads: 2 })
    expect(done.resumedFrom).toBe(1024)
    expect(reads).toEqual([1024])
    expect(done.manifest.root).toBe(JSON.parse(await readFile(join(reference, 'index.json'), 'utf8')).root)
    await expectSameFiles(dir)
    expect(existsSync(`${dir}.build`)).toBe(false)
    expect((await loadAttributionIndex(dir)).manifest).toEqual(done.manifest)
  })

  it('poa model index reads the datanet store a batch at a time, resumes after an abort and installs the same bytes', async () => {
    const storeHome = join(home, 'store-home')
    const store = openDatanetStore({ home: storeHome })
    try {
      store.createDatanet({ name: 'spam', owner: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', depth: DEPTH })
      const v = await store.importRecords('spam', { records: records.map((r) => ({ contributor: r.contributor, content: r.content, label: r.datanetLabel })) })
      expect(v.root).toBe(datanet.root)
      expect(store.readRecords('spam', 1, 512, 515).map((r) => r.position)).toEqual([512, 513, 514])
      expect(store.readRecords('spam', 1, COUNT, COUNT)).toEqual([])
      expect(() => store.readRecords('spam', 1, 10, COUNT + 1)).toThrow(/0 <= start <= end <= 1100/)
    } finally {
      store.close()
    }
    await saveModel({ ...model, dir: modelDir(storeHome, 'stream') })
    const abort = new AbortController()
    const stopAt512 = () => ({ done, unit }: { done: number; unit: string }) => unit === 'records' && done === 512 && abort.abort(new Error('stop at 512'))
    await expect(indexModel({ home: storeHome, model: 'stream', datanet: 'spam', provider: 'cpu', batchSize: 512, signal: abort.signal, onProgress: stopAt512 })).rejects.toThrow(/stop at 512/)
    const done = await indexModel({ home: storeHome, model: 'stream', datanet: 'spam', provider: 'cpu', batchSize: 512 })
    expect(done.resumedFrom).toBe(512)
    expect(done.count).toBe(COUNT)
    for (const f of FILES.filter((f) => f !== 'index.json')) expect((await readFile(join(done.dir, f))).equals(await readFile(join(reference, f))), f).toBe(true)
  })

  it('resumes a build SIGKILLed after its first checkpoint and installs the same bytes', async () => {
    const modelPath = join(home, 'model')
    await saveModel({ ...model, dir: modelPath })
    const dir = join(home, 'killed')
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'streamIndexChild.ts'), modelPath, dir, datanet.root.toString()], { stdio: 'ignore' })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    const checkpoint = join(`${dir}.build`, 'build.json')
    // Only a guard against a child that never checkpoints: a loaded 2-core machine can take a minute to start it.
    const deadline = Date.now() + 300_000
    while (!(existsSync(checkpoint) && JSON.parse(await readFile(checkpoint, 'utf8')).featuresDone === 512)) {
      if (Date.now() > deadline) throw new Error('the child build wrote no checkpoint within 300 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const reads: number[] = []
    const source = { count: COUNT, read: (start: number, end: number) => (reads.push(start), records.slice(start, end)) }
    const done = await streamModelIndex({ model, records: source, datanet, dir, treeDepth: DEPTH, batchSize: 512, backend: 'native' })
    expect(done.resumedFrom).toBe(512)
    expect(reads).toEqual([512, 1024])
    await expectSameFiles(dir)
  })

  it('hashes leaves and trees in WebAssembly to the same bytes when told to, and starts over on a checkpoint of another build', async () => {
    const dir = join(home, 'js')
    const abort = new AbortController()
    await expect(streamModelIndex({
      model, records, datanet, dir, treeDepth: DEPTH, batchSize: 512, signal: abort.signal,
      onProgress: ({ unit }) => unit === 'records' && abort.abort(new Error('stop')),
    })).rejects.toThrow(/stop/)
    // Another batch size splits the ONNX batches differently: the checkpoint cannot be resumed.
    const done = await streamModelIndex({ model, records, datanet, dir, treeDepth: DEPTH, batchSize: 1024, backend: 'js' })
    expect(done.resumedFrom).toBe(0)
    expect(done.discarded).toMatch(/checkpoint of another build .*"batchSize":512/)
    await expectSameFiles(dir)
  })

  it('refuses a batch size that splits the ONNX batches, a corrupt checkpoint and a record whose leaf does not match', async () => {
    const dir = join(home, 'bad')
    await expect(streamModelIndex({ model, records, datanet, dir, batchSize: 1000 })).rejects.toThrow(IndexBatchSizeError)
    await expect(streamModelIndex({ model, records, datanet, dir, batchSize: 1000 })).rejects.toThrow(/batch size 1000: expected a positive multiple of 512/)
    await rm(`${dir}.build`, { recursive: true, force: true })
    await mkdir(`${dir}.build`, { recursive: true })
    await writeFile(join(`${dir}.build`, 'build.json'), '{ "format": "poa-index-build-v1", ')
    await expect(streamModelIndex({ model, records, datanet, dir, treeDepth: DEPTH, batchSize: 512 })).rejects.toThrow(IndexBuildCheckpointError)
    await rm(`${dir}.build`, { recursive: true, force: true })
    // A checkpoint that promises more rows than its file holds (a file lost or cut by hand) is refused, not trusted.
    const abort = new AbortController()
    await expect(streamModelIndex({
      model, records, datanet, dir, treeDepth: DEPTH, batchSize: 512, signal: abort.signal, onProgress: ({ unit }) => unit === 'records' && abort.abort(new Error('stop')),
    })).rejects.toThrow(/stop/)
    await writeFile(join(`${dir}.build`, 'features.f32'), new Uint8Array(0))
    await expect(streamModelIndex({ model, records, datanet, dir, treeDepth: DEPTH, batchSize: 512 })).rejects.toThrow(/features.f32: holds 0 bytes, its checkpoint says 32768 are durable/)
    await rm(`${dir}.build`, { recursive: true, force: true })
    const tampered = records.map((r, i) => (i === 700 ? { ...r, content: `${r.content} ` } : r))
    await expect(streamModelIndex({ model, records: tampered, datanet, dir, treeDepth: DEPTH, batchSize: 512 })).rejects.toThrow(RecordLeafMismatchError)
    await expect(streamModelIndex({ model, records: tampered, datanet, dir, treeDepth: DEPTH, batchSize: 512 })).rejects.toThrow(/record 700: leaf/)
    expect((await readdir(home)).filter((f) => f.startsWith('bad') && f !== 'bad.build' && f !== 'bad.build.lock')).toEqual([])
  })
})
