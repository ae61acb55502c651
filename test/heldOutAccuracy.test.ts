// Held-out accuracy by stratified k-fold cross-validation (prover/influence/heldOutAccuracy.ts) on
// synthetic texts built here: a learnable set must clearly beat the majority class, the same texts
// with shuffled labels must not (and the owner's warning must fire), folds are seeded and
// stratified, small classes lower the folds or skip them with the reason, and trainModel stores the
// estimate in a manifest that round-trips, while a manifest written before it still loads.
import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32 } from '../prover/dataset/mulberry32.ts'
import {
  DEFAULT_VECTORIZER, FoldCountError, heldOutAccuracy, heldOutText, heldOutWarning, loadModel, majorityThreshold, modelDir, saveModel,
  stratifiedFolds, trainModel, vectorize, type HeldOutEstimate,
} from '../prover/influence/index.ts'

const TOPICS: Record<string, string[]> = {
  disk: ['partition', 'mount', 'filesystem', 'block', 'sector', 'volume', 'inode', 'fsck'],
  net: ['socket', 'packet', 'route', 'address', 'interface', 'firewall', 'tunnel', 'dns'],
  text: ['string', 'format', 'print', 'parse', 'locale', 'encoding', 'glyph', 'font'],
}
const SHARED = ['display', 'manage', 'the', 'a', 'of', 'for', 'tool', 'file', 'set', 'list', 'show', 'and']

/** Short descriptions: three topic words and three shared words, in a seeded order. */
function synthetic(perClass: { [label: string]: number }, seed: number): { content: string; label: string }[] {
  const random = mulberry32(seed)
  const pick = (words: string[]) => words[Math.floor(random() * words.length)]
  const out: { content: string; label: string }[] = []
  for (const [label, n] of Object.entries(perClass)) {
    for (let i = 0; i < n; i++) out.push({ content: [pick(TOPICS[label]), pick(SHARED), pick(TOPICS[label]), pick(SHARED), pick(TOPICS[label]), pick(SHARED)].join(' '), label })
  }
  return out
}

function problem(records: { content: string; label: string }[]) {
  const classNames = [...new Set(records.map((r) => r.label))].sort()
  return { rows: records.map((r) => vectorize(r.content)), labels: records.map((r) => classNames.indexOf(r.label)), classes: classNames.length, dim: DEFAULT_VECTORIZER.dim, classNames }
}

const RECORDS = synthetic({ disk: 30, net: 20, text: 25 }, 11)

describe('held-out accuracy by stratified k-fold cross-validation', () => {
  it('clearly beats the majority class on learnable data, and not when the labels are shuffled', async () => {
    const learnable = await heldOutAccuracy(problem(RECORDS)) as HeldOutEstimate
    expect(learnable).toMatchObject({ folds: 5, requestedFolds: 5, records: 75, majority: { label: 'disk', rate: 30 / 75 }, clearlyAboveMajority: true })
    expect(learnable.accuracy).toBeGreaterThan(0.9)
    expect(learnable.threshold).toBeCloseTo(0.4 + 2 * Math.sqrt((0.4 * 0.6) / 75), 12)
    expect(learnable.perClass.map((c) => [c.label, c.records])).toEqual([['disk', 30], ['net', 20], ['text', 25]])
    expect(heldOutWarning(learnable)).toBeUndefined()
    expect(heldOutText(learnable)).toMatch(/^, held-out \d+\.\d% \(5-fold; always "disk": 40\.0%\)$/)

    const random = mulberry32(5)
    const labels = RECORDS.map((r) => r.label)
    for (let i = labels.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[labels[i], labels[j]] = [labels[j], labels[i]]
    }
    const shuffled = await heldOutAccuracy(problem(RECORDS.map((r, i) => ({ ...r, label: labels[i] })))) as HeldOutEstimate
    expect(shuffled.clearlyAboveMajority).toBe(false)
    expect(shuffled.accuracy).toBeLessThanOrEqual(shuffled.threshold)
    const warning = heldOutWarning(shuffled, 'hashing-v1')!
    expect(warning).toContain(`held-out accuracy ${(100 * shuffled.accuracy).toFixed(1)}% (5-fold)`)
    expect(warning).toContain('always answering "disk" (40.0%')
    expect(warning).toMatch(/Try --vectoriser auto, --vectoriser char:2-4, --vectoriser word:1-2, more records per class$/)
    expect(heldOutWarning(shuffled, 'char:2-4@1024')).toMatch(/Try --vectoriser auto, --vectoriser word:1-2, more records/)
  })

  it('deals seeded, stratified folds: the same seed gives the same folds and result, each class spread evenly', async () => {
    const p = problem(RECORDS)
    const folds = stratifiedFolds({ labels: p.labels, classes: 3, folds: 4, seed: 1 })
    expect(folds).toEqual(stratifiedFolds({ labels: p.labels, classes: 3, folds: 4, seed: 1 }))
    expect(folds).not.toEqual(stratifiedFolds({ labels: p.labels, classes: 3, folds: 4, seed: 2 }))
    const sizes = [0, 1, 2, 3].map((f) => folds.filter((x) => x === f).length)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    for (const [c, n] of [[0, 30], [1, 20], [2, 25]]) {
      for (let f = 0; f < 4; f++) {
        const inFold = p.labels.filter((l, r) => l === c && folds[r] === f).length
        expect(inFold === Math.floor(n / 4) || inFold === Math.ceil(n / 4), `class ${c} fold ${f}: ${inFold}`).toBe(true)
      }
    }
    expect(await heldOutAccuracy({ ...p, folds: 4 })).toEqual(await heldOutAccuracy({ ...p, folds: 4 }))
  })

  it('lowers the folds to the smallest class, skips with the reason when a class has one record, and refuses 1 fold', async () => {
    const progress: string[] = []
    const lowered = await heldOutAccuracy({ ...problem(synthetic({ disk: 12, net: 3, text: 12 }, 2)), onProgress: (e) => progress.push(`${e.done}/${e.total} ${e.unit}`) })
    expect(lowered).toMatchObject({ folds: 3, requestedFolds: 5 })
    expect(progress).toEqual(['1/3 cross-validation folds', '2/3 cross-validation folds', '3/3 cross-validation folds'])
    expect(heldOutText(lowered)).toMatch(/\(3-fold, lowered from 5: the smallest class has 3 records; always "disk"/)
    const skipped = await heldOutAccuracy(problem(synthetic({ disk: 12, net: 1, text: 12 }, 3)))
    expect(skipped).toEqual({ folds: 0, requestedFolds: 5, skipped: 'class "net" has 1 record: cross-validation needs at least 2 records of each class' })
    expect(heldOutWarning(skipped)).toBeUndefined()
    expect(heldOutText(skipped)).toBe(', held-out not estimated (class "net" has 1 record: cross-validation needs at least 2 records of each class)')
    await expect(heldOutAccuracy({ ...problem(RECORDS), folds: 1 })).rejects.toThrow(/folds = 1: expected 0 \(no cross-validation\) or an integer >= 2/)
    await expect(trainModel({ name: 'x', records: RECORDS, folds: 2.5 })).rejects.toThrow(FoldCountError)
    await expect(heldOutAccuracy({ ...problem(RECORDS), rows: [] })).rejects.toThrow(/rows.length = 0: expected at least one training row/)
    await expect(heldOutAccuracy({ ...problem(RECORDS), classes: 2 })).rejects.toThrow(/labels\[\d+\] = 2: expected a class index in \[0, 1\]/)
    expect(majorityThreshold(0.5, 100)).toBeCloseTo(0.6, 12)
  })

  it('trainModel stores the estimate in the manifest; a manifest without it (older, or --folds 0) still loads', async () => {
    const trained = await trainModel({ name: 'topics', records: RECORDS, projection: { kind: 'trak', k: 4 } })
    expect(trained.manifest.training!.heldOut).toEqual(await heldOutAccuracy(problem(RECORDS)))
    const home = await mkdtemp(join(tmpdir(), 'poa-heldout-'))
    try {
      const dir = modelDir(home, 'topics')
      await saveModel({ dir, ...trained })
      expect((await loadModel(dir)).manifest).toEqual(trained.manifest)
      const old = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
      delete old.training.heldOut
      await writeFile(join(dir, 'model.json'), JSON.stringify(old))
      const loaded = await loadModel(dir)
      expect(loaded.manifest.training).toEqual({ ...trained.manifest.training, heldOut: undefined })
      expect(heldOutText(loaded.manifest.training!.heldOut)).toBe('')
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  })
})
