import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync as mkdtempSync_, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { DEFAULT_VECTORIZER, createSession, computeFeatures, vectorize, checkModelContract, type SparseVector } from '../prover/influence/index.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'
import {
  trainBase, trainAdapter, encodeBaseModel, decodeBaseModel, encodeAdapter, decodeAdapter, adapterParams, adapterFactors, baseActivation,
  accumulateGradient, zeroGradient, adapterProjectionMatrix, referenceAdapterFeatures, buildAdapterModel, adapterModelHash, createAdapterHost,
  ByteLruCache, prepareTrainingRows, sha256Hex, AdapterFileError, AdapterBaseMismatchError, BaseNotFoundError, loadAdapterModel, type Adapter, type AdapterParams, type BaseModel,
} from '../prover/adapters/index.ts'
import { trainAdapterModel, trainBaseModel } from '../prover/app/adapterModels.ts'
import { ModelIntegrityError, loadModel } from '../prover/influence/index.ts'
import { checkAdapterModel } from '../prover/audit/checkAdapterModel.ts'

// Real data (Spam Assassin), a small base (h = 32) and small adapters, so the file costs seconds.
type Base = BaseModel & { sha256: string }
let base: Base
let mails: ReturnType<typeof loadSpamAssassin>

const made: string[] = []
const mkdtempSync = (prefix: string) => { const dir = mkdtempSync_(prefix); made.push(dir); return dir }
afterAll(() => { for (const dir of made) rmSync(dir, { recursive: true, force: true }) })

beforeAll(async () => {
  mails = loadSpamAssassin({ limit: 500, seed: 5 })
  base = decodeBaseModel(encodeBaseModel(await trainBase({ records: mails.slice(0, 200), hiddenDim: 32, epochs: 3, seed: 2 })), 'base.poa')
})

/** A seeded adapter on `base` (A, B, head drawn from N(0, scale^2)): no training needed to test files and the host. */
function randomAdapter(seed: number, b: Base = base, rank = 2, labels = ['ham', 'spam']): Adapter {
  const g = gaussianStream(seed)
  const draw = (n: number, s: number) => Float32Array.from({ length: n }, () => s * g())
  return { baseSha256: b.sha256, rank, labels, A: draw(b.inputDim * rank, 1), B: draw(rank * b.hiddenDim, 0.5), headW: draw(labels.length * b.hiddenDim, 0.5), headB: draw(labels.length, 0.1) }
}

describe('adapter training', () => {
  it('lowers the loss epoch by epoch and beats chance on held-out mails', async () => {
    const epochs: { loss: number; accuracy: number }[] = []
    const { adapter } = await trainAdapter({ base, records: mails.slice(200, 400), epochs: 8, onProgress: (p) => epochs.push(p) })
    expect(epochs).toHaveLength(8)
    expect(epochs[7].loss).toBeLessThan(epochs[0].loss * 0.5)
    const params = adapterParams(base, adapter)
    const held = prepareTrainingRows({ records: mails.slice(400), labels: adapter.labels }, base.vectorizer)
    let correct = 0
    held.rows.forEach((r, i) => {
      const f = adapterFactors(params, r, baseActivation(base.W0, base.b0, base.hiddenDim, r), 0)
      if ((f.probs[1] > f.probs[0] ? 1 : 0) === held.y[i]) correct++
    })
    // 100 balanced held-out mails: chance is 0.5.
    expect(correct / held.rows.length).toBeGreaterThan(0.75)
  })
})

describe('adapter gradients', () => {
  // A tiny model (d = 16, h = 6, r = 2, C = 3) in float64, so central differences are exact to ~1e-8.
  const d = 16, h = 6, r = 2, C = 3
  const g = gaussianStream(11)
  const W0 = Float64Array.from({ length: d * h }, () => g())
  const b0 = Float64Array.from({ length: h }, () => 0.3 * g())
  const p: AdapterParams = {
    inputDim: d, hiddenDim: h, rank: r, classes: C,
    A: Float64Array.from({ length: d * r }, () => g()), B: Float64Array.from({ length: r * h }, () => g()),
    headW: Float64Array.from({ length: C * h }, () => g()), headB: Float64Array.from({ length: C }, () => g()),
  }
  const row: SparseVector = vectorize('free money now, reply to win a prize money', { ...DEFAULT_VECTORIZER, dim: d })
  const loss = () => adapterFactors(p, row, baseActivation(W0, b0, h, row), 1).loss

  it('match central finite differences for every entry of A and B (and the head)', () => {
    const grad = zeroGradient(p)
    accumulateGradient(p, grad, row, adapterFactors(p, row, baseActivation(W0, b0, h, row), 1), 1)
    const eps = 1e-6
    let worst = 0
    for (const name of ['A', 'B', 'headW', 'headB'] as const) {
      for (let i = 0; i < p[name].length; i++) {
        const keep = p[name][i]
        p[name][i] = keep + eps
        const up = loss()
        p[name][i] = keep - eps
        const down = loss()
        p[name][i] = keep
        worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - grad[name][i]))
      }
    }
    expect(grad.A.some((v) => v !== 0) && grad.B.some((v) => v !== 0)).toBe(true)
    expect(worst).toBeLessThan(1e-6)
  })

  it('are what the features ONNX graph projects (onnxruntime against M g in TS)', async () => {
    const { adapter, rows, y } = await trainAdapter({ base, records: mails.slice(200, 260), epochs: 2 })
    const built = await buildAdapterModel({ name: 'a', baseName: 'b', base, adapter, rows, y, k: 8, withHead: true })
    const params = adapterParams(base, adapter)
    const M = await adapterProjectionMatrix({ params, W0: base.W0, b0: base.b0, rows, labels: y, k: 8, seed: 1, damping: adapter.training!.l2, withHead: true })
    const { session } = await createSession({ bytes: built.featureBytes, provider: 'cpu' })
    try {
      const out = await computeFeatures({ session, inputName: 'input', probsName: 'probs', inputDim: base.inputDim, k: 8, classes: 2, rows: rows.slice(0, 4), labels: y.slice(0, 4) })
      for (let i = 0; i < 4; i++) {
        const ref = referenceAdapterFeatures(M, params, rows[i], baseActivation(base.W0, base.b0, base.hiddenDim, rows[i]), y[i], 8)
        const scale = Math.max(...ref.map(Math.abs))
        ref.forEach((v, t) => expect(Math.abs(out.features[i * 8 + t] - v)).toBeLessThan(1e-3 * scale + 1e-6))
      }
    } finally {
      await session.release()
    }
    expect(checkModelContract(built.modelBytes).hiddenDim).toBe(base.hiddenDim)
  })
})

describe('adapter host', () => {
  it('evicts by bytes, least recently used first', () => {
    const c = new ByteLruCache<string>(100)
    c.set('a', 'A', 40)
    c.set('b', 'B', 40)
    expect(c.get('a')).toBe('A') // a is now the newest
    c.set('c', 'C', 30) // 110 > 100: evict b, the least recently used
    expect(c.keys()).toEqual(['a', 'c'])
    c.set('d', 'D', 90) // evicts a and c
    expect(c.keys()).toEqual(['d'])
    expect(c.metrics()).toMatchObject({ hits: 1, misses: 0, evictions: 3, bytes: 90, entries: 1 })
    expect(() => c.set('e', 'E', 101)).toThrow(/cacheBytes/)
  })

  it('loads adapters just in time, batches per adapter, and a re-request after eviction reloads identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-adapters-'))
    const adapters = ['a0', 'a1', 'a2'].map((id, i) => {
      const a = randomAdapter(100 + i)
      writeFileSync(join(dir, `${id}.poa`), encodeAdapter(a, base))
      return a
    })
    const each = 4 * (adapters[0].A.length + adapters[0].B.length + adapters[0].headW.length + adapters[0].headB.length)
    const host = await createAdapterHost({ base, adapterFile: (id) => join(dir, `${id}.poa`), cacheBytes: 2 * each, windowMs: 5 })
    const texts = mails.slice(0, 3).map((m) => m.content)
    try {
      const first = await Promise.all(texts.map((text) => host.infer({ adapter: 'a0', text })))
      expect(host.metrics()).toMatchObject({ loads: 1, batches: 1, largestBatch: 3 })
      // The same outputs as the TS forward pass of base + a0.
      const params = adapterParams(base, adapters[0])
      texts.forEach((text, i) => {
        const row = vectorize(text, base.vectorizer)
        const f = adapterFactors(params, row, baseActivation(base.W0, base.b0, base.hiddenDim, row), 0)
        expect(first[i].probabilities[1]).toBeCloseTo(f.probs[1], 4)
      })
      await host.infer({ adapter: 'a1', text: texts[0] })
      await host.infer({ adapter: 'a2', text: texts[0] }) // the cap holds two: a0 goes
      expect(host.cached()).toEqual(['a1', 'a2'])
      expect(host.metrics().evictions).toBe(1)
      const again = await Promise.all(texts.map((text) => host.infer({ adapter: 'a0', text })))
      expect(again.map((r) => Array.from(r.probabilities))).toEqual(first.map((r) => Array.from(r.probabilities)))
      expect(host.metrics()).toMatchObject({ loads: 4, evictions: 2, entries: 2, bytes: 2 * each })
      await host.infer({ adapter: 'a0', text: texts[1] })
      expect(host.metrics().hits).toBeGreaterThanOrEqual(1)
    } finally {
      await host.close()
    }
  })
})

describe('adapter files', () => {
  it('a corrupted, truncated, wrong-shape or other-base adapter file is refused, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-adapters-'))
    const good = encodeAdapter(randomAdapter(1), base)
    expect(decodeAdapter(good, 'good.poa', base).rank).toBe(2)
    expect(() => decodeAdapter(good.subarray(0, good.length - 4), 'cut.poa', base)).toThrow(/cut\.poa: wrong length .* expected \d+ bytes, got \d+/)
    expect(() => decodeAdapter(new TextEncoder().encode('not an adapter at all'), 'junk.poa', base)).toThrow(AdapterFileError)
    const nan = good.slice()
    new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true)
    expect(() => decodeAdapter(nan, 'nan.poa', base)).toThrow(/nan\.poa: tensor head\.b value 1 is not finite/)
    // Recorded for this base, but shaped for a base with h = 16: B is [2, 16], not [2, 32].
    const narrow = { ...base, hiddenDim: 16 }
    const wrongShape = encodeAdapter({ ...randomAdapter(2, { ...base, hiddenDim: 16 } as Base), baseSha256: base.sha256 }, narrow)
    expect(() => decodeAdapter(wrongShape, 'shape.poa', base)).toThrow(/shape\.poa: tensor "B" has the wrong shape: expected \[2, 32\], got \[2, 16\]/)
    const other = decodeBaseModel(encodeBaseModel({ ...base, b0: base.b0.map((v) => v + 1) }), 'other.poa')
    expect(() => decodeAdapter(good, 'good.poa', other)).toThrow(AdapterBaseMismatchError)
    // Through the host: the request fails with the file's name, and the host keeps serving.
    writeFileSync(join(dir, 'bad.poa'), good.subarray(0, 100))
    writeFileSync(join(dir, 'ok.poa'), good)
    const host = await createAdapterHost({ base, adapterFile: (id) => join(dir, `${id}.poa`), cacheBytes: 1 << 20 })
    try {
      await expect(host.infer({ adapter: 'bad', text: 'hello there' })).rejects.toThrow(`${join(dir, 'bad.poa')}: truncated header`)
      expect((await host.infer({ adapter: 'ok', text: 'hello there' })).probabilities).toHaveLength(2)
      await expect(host.infer({ adapter: 'ok', text: '...' })).rejects.toThrow(/query text/)
    } finally {
      await host.close()
    }
  })

  it('the adapter model hash changes with the adapter and with the base', () => {
    const a = encodeAdapter(randomAdapter(1), base)
    const b = encodeAdapter(randomAdapter(2), base)
    const h = adapterModelHash(base.sha256, a)
    expect(adapterModelHash(base.sha256, a)).toEqual(h)
    expect(adapterModelHash(base.sha256, b).field).not.toBe(h.field)
    const flipped = a.slice()
    flipped[flipped.length - 1] ^= 1
    expect(adapterModelHash(base.sha256, flipped).field).not.toBe(h.field)
    expect(adapterModelHash(`0x${'00'.repeat(32)}`, a).field).not.toBe(h.field)
    expect(h.field < 2n ** 248n).toBe(true)
  })
})

describe('adapter model workflows (prover/app)', () => {
  it('train a base and an adapter model with per-epoch progress; a missing base or a swapped adapter file is refused', async () => {
    const home = mkdtempSync(join(tmpdir(), 'poa-adapters-home-'))
    await expect(trainAdapterModel({ home, name: 'm', base: 'none', source: { spamAssassin: { limit: 20 } } })).rejects.toThrow(BaseNotFoundError)
    const epochs: number[] = []
    const b = await trainBaseModel({ home, name: 'b', source: { spamAssassin: { limit: 60, seed: 1 } }, hiddenDim: 16, epochs: 2, onProgress: (p) => epochs.push(p.epoch) })
    expect(epochs).toEqual([1, 2])
    const trained = await trainAdapterModel({ home, name: 'm', base: 'b', source: { spamAssassin: { limit: 40, seed: 2 } }, epochs: 2, k: 8 })
    expect(trained.manifest).toMatchObject({ source: 'adapter', projection: { kind: 'adapter-pca', k: 8 }, adapter: { base: 'b', baseSha256: b.sha256, rank: 4 } })
    const loaded = await loadAdapterModel(home, 'm')
    expect(loaded.manifest.modelHash).toBe(adapterModelHash(b.sha256, readFileSync(join(trained.dir, 'adapter.poa'))).field.toString())
    // Another adapter's file in its place: its sha256 is not the one the manifest (and the model hash) commit.
    await trainAdapterModel({ home, name: 'other', base: 'b', source: { spamAssassin: { limit: 40, seed: 3 } }, epochs: 1, k: 8 })
    writeFileSync(join(trained.dir, 'adapter.poa'), readFileSync(join(home, 'models', 'other', 'adapter.poa')))
    await expect(loadAdapterModel(home, 'm')).rejects.toThrow(ModelIntegrityError)
  })
})

describe('poa audit on an adapter model (the model check)', () => {
  it('passes on the registered base + adapter, and fails naming the file when the adapter or the base is swapped', async () => {
    const home = mkdtempSync(join(tmpdir(), 'poa-adapters-audit-'))
    await trainBaseModel({ home, name: 'b', source: { spamAssassin: { limit: 60, seed: 1 } }, hiddenDim: 16, epochs: 2 })
    const trained = await trainAdapterModel({ home, name: 'm', base: 'b', source: { spamAssassin: { limit: 40, seed: 2 } }, epochs: 2, k: 8 })
    await trainAdapterModel({ home, name: 'other', base: 'b', source: { spamAssassin: { limit: 40, seed: 3 } }, epochs: 1, k: 8 })
    // What registration put on-chain: the model's hash and k.
    const registered = { model: { modelHash: BigInt(trained.manifest.modelHash), k: 8 } }
    const adapterFile = join(trained.dir, 'adapter.poa')
    const baseFile = join(home, 'bases', 'b', 'base.poa')
    const model = await loadModel(trained.dir) // loadModel alone passes in every case below: it reads neither file
    const honest = await checkAdapterModel(registered, model, home)
    expect(honest).toMatchObject({ name: 'model', ok: true })
    expect(honest.detail).toContain(baseFile)

    const adapterBytes = readFileSync(adapterFile)
    writeFileSync(adapterFile, readFileSync(join(home, 'models', 'other', 'adapter.poa')))
    const swapped = await checkAdapterModel(registered, await loadModel(trained.dir), home)
    expect(swapped).toMatchObject({ ok: false, difference: { what: `sha256 of ${adapterFile}`, expected: trained.manifest.adapter!.adapterSha256 } })
    // The manifest edited to name the swapped adapter: the hash recomputed from the files is not the registered one.
    const manifestFile = join(trained.dir, 'model.json')
    const manifest = readFileSync(manifestFile, 'utf8')
    writeFileSync(manifestFile, manifest.replace(trained.manifest.adapter!.adapterSha256, sha256Hex(readFileSync(adapterFile))))
    const edited = await checkAdapterModel(registered, await loadModel(trained.dir), home)
    expect(edited).toMatchObject({ ok: false, difference: { what: `modelHash of base ${baseFile} + adapter ${adapterFile}`, expected: trained.manifest.modelHash } })
    writeFileSync(manifestFile, manifest)
    writeFileSync(adapterFile, adapterBytes)

    const baseBytes = readFileSync(baseFile)
    await trainBaseModel({ home, name: 'b', source: { spamAssassin: { limit: 60, seed: 9 } }, hiddenDim: 16, epochs: 2 }) // a base of that name, retrained
    const rebased = await checkAdapterModel(registered, await loadModel(trained.dir), home)
    expect(rebased).toMatchObject({ ok: false, difference: { what: `sha256 of ${baseFile}`, got: sha256Hex(readFileSync(baseFile)) } })
    rmSync(baseFile)
    expect(await checkAdapterModel(registered, model, home)).toMatchObject({ ok: false, difference: { what: `base file ${baseFile}`, got: 'no file' } })
    writeFileSync(baseFile, baseBytes)
    expect((await checkAdapterModel(registered, model, home)).ok).toBe(true)
    // Another registered hash (another model's registration): the files do not hash to it.
    expect(await checkAdapterModel({ model: { modelHash: registered.model.modelHash + 1n, k: 8 } }, model, home)).toMatchObject({ ok: false, difference: { what: `modelHash of base ${baseFile} + adapter ${adapterFile}` } })
  })
})
