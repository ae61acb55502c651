import { PoaError } from '../errors/index.ts'
import { mulberry32 } from '../dataset/mulberry32.ts'
import { predictClass } from './predictClass.ts'
import { TrainingDataError, trainSoftmax } from './trainSoftmax.ts'
import type { SparseVector } from './vectorize.ts'

/**
 * Held-out accuracy of the linear softmax classifier by stratified k-fold cross-validation: the
 * records are dealt into `folds` folds, each class spread evenly (seeded shuffle per class); for each
 * fold the classifier is refitted (trainSoftmax, same rows and l2) on the other folds and predicts
 * the held-out one. Training accuracy says nothing here: 1,024 hashed features and a few hundred
 * records let any linear softmax fit its training set, so only records the fit never saw show
 * whether the model generalises (and whether the attribution it proves is more than noise).
 * Only the classifier is refitted, never the attribution projection (the expensive part): the cost
 * is about `folds` x (1 - 1/folds) trainings of the classifier.
 */
export type HeldOutAccuracyParameters = {
  rows: readonly SparseVector[]
  /** Class index of each row. */
  labels: ArrayLike<number>
  classes: number
  dim: number
  /** The same regularisation as the model (default 1e-3). */
  l2?: number
  /**
   * Folds asked for (default 5, at least 2). Lowered to the record count of the smallest class
   * present when that is smaller (each fold must hold every class); skipped when it is below 2.
   */
  folds?: number
  /** Seed of the fold assignment (default 1): the same data and seed give the same folds. */
  seed?: number
  /** Class names, index = class, for the result and the skip reason (default "0", "1", ...). */
  classNames?: readonly string[]
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

/** A cross-validation that ran: pooled over the folds, every record predicted once. */
export type HeldOutEstimate = {
  folds: number
  requestedFolds: number
  seed: number
  records: number
  /** Fraction of records predicted right by the fit that did not see them. */
  accuracy: number
  /** The baseline: always answering the most frequent class (lowest index on a tie), and its rate. */
  majority: { label: string; rate: number }
  /** majority rate + 2 binomial standard errors (see clearlyAboveMajority). */
  threshold: number
  /** accuracy > threshold: the model learned more than the class frequencies. */
  clearlyAboveMajority: boolean
  /** Held-out accuracy (recall) per class present in the data, in class order. */
  perClass: { label: string; records: number; accuracy: number }[]
}

/** A cross-validation the data does not allow (a class with a single record). */
export type HeldOutSkipped = { folds: 0; requestedFolds: number; skipped: string }

export type HeldOutAccuracyReturnType = HeldOutEstimate | HeldOutSkipped

export const DEFAULT_FOLDS = 5
export const DEFAULT_FOLD_SEED = 1

export class FoldCountError extends PoaError {
  constructor({ folds }: { folds: unknown }) {
    super('FOLDS', 'BAD_INPUT', `folds = ${String(folds)}: expected 0 (no cross-validation) or an integer >= 2`, { meta: { folds } })
  }
}

/**
 * The fold of each record: each class's records (in a seeded shuffle) are dealt round-robin, the
 * deal going on from one class to the next, so every fold holds floor or ceil(n_c / folds) records
 * of class c and the folds' sizes differ by at most one.
 */
export function stratifiedFolds({ labels, classes, folds, seed }: { labels: ArrayLike<number>; classes: number; folds: number; seed: number }): Int32Array {
  const random = mulberry32(seed)
  const fold = new Int32Array(labels.length)
  let next = 0
  for (let c = 0; c < classes; c++) {
    const members: number[] = []
    for (let r = 0; r < labels.length; r++) if (labels[r] === c) members.push(r)
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[members[i], members[j]] = [members[j], members[i]]
    }
    for (const r of members) {
      fold[r] = next
      next = (next + 1) % folds
    }
  }
  return fold
}

/**
 * The rule behind clearlyAboveMajority. If the model knew nothing beyond the class frequencies, its
 * correct answers would be at best like those of always answering the majority class: a binomial
 * count of N trials at rate m, whose rate has standard error sqrt(m (1 - m) / N). Held-out accuracy
 * above m + 2 SE happens by chance about 2% of the time (one-sided normal tail), so a figure below
 * that line is not evidence of learning. (Folds are not fully independent; the line is a flag, not
 * a test to quote a p-value from.)
 */
export function majorityThreshold(rate: number, records: number): number {
  return rate + 2 * Math.sqrt((rate * (1 - rate)) / records)
}

/** Estimate held-out accuracy (see the type's comment), or say why the data does not allow it. */
export async function heldOutAccuracy(p: HeldOutAccuracyParameters): Promise<HeldOutAccuracyReturnType> {
  const requestedFolds = p.folds ?? DEFAULT_FOLDS
  if (!Number.isInteger(requestedFolds) || requestedFolds < 2) throw new FoldCountError({ folds: p.folds })
  const seed = p.seed ?? DEFAULT_FOLD_SEED
  const name = (c: number) => p.classNames?.[c] ?? String(c)
  const n = p.rows.length
  // Checked here, before counting classes; trainSoftmax checks the rest (classes, l2) in the first fold.
  if (n === 0) throw new TrainingDataError({ where: 'rows.length', value: 0, expected: 'at least one training row' })
  if (p.labels.length !== n) throw new TrainingDataError({ where: 'labels.length', value: p.labels.length, expected: `${n} (one per row)` })
  for (let r = 0; r < n; r++) {
    if (!Number.isInteger(p.labels[r]) || p.labels[r] < 0 || p.labels[r] >= p.classes) {
      throw new TrainingDataError({ where: `labels[${r}]`, value: p.labels[r], expected: `a class index in [0, ${p.classes - 1}]` })
    }
  }
  const counts = new Array<number>(p.classes).fill(0)
  for (let r = 0; r < n; r++) counts[p.labels[r]]++
  const present = counts.map((count, c) => ({ c, count })).filter((x) => x.count > 0)
  const smallest = present.reduce((a, b) => (b.count < a.count ? b : a))
  if (smallest.count < 2) {
    return { folds: 0, requestedFolds, skipped: `class "${name(smallest.c)}" has ${smallest.count} record: cross-validation needs at least 2 records of each class` }
  }
  const folds = Math.min(requestedFolds, smallest.count)
  const fold = stratifiedFolds({ labels: p.labels, classes: p.classes, folds, seed })
  const predicted = new Int32Array(n)
  for (let f = 0; f < folds; f++) {
    p.signal?.throwIfAborted()
    const train: number[] = []
    for (let r = 0; r < n; r++) if (fold[r] !== f) train.push(r)
    const weights = await trainSoftmax({
      rows: train.map((r) => p.rows[r]), labels: train.map((r) => p.labels[r]), classes: p.classes, dim: p.dim, l2: p.l2, signal: p.signal,
    })
    for (let r = 0; r < n; r++) if (fold[r] === f) predicted[r] = predictClass(weights, p.rows[r])
    p.onProgress?.({ done: f + 1, total: folds, unit: 'cross-validation folds' })
  }
  const right = new Array<number>(p.classes).fill(0)
  for (let r = 0; r < n; r++) if (predicted[r] === p.labels[r]) right[p.labels[r]]++
  const majority = present.reduce((a, b) => (b.count > a.count ? b : a))
  const rate = majority.count / n
  const accuracy = right.reduce((a, b) => a + b, 0) / n
  const threshold = majorityThreshold(rate, n)
  return {
    folds, requestedFolds, seed, records: n, accuracy,
    majority: { label: name(majority.c), rate },
    threshold, clearlyAboveMajority: accuracy > threshold,
    perClass: present.map(({ c, count }) => ({ label: name(c), records: count, accuracy: right[c] / count })),
  }
}
