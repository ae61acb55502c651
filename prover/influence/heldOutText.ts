import type { HeldOutAccuracyReturnType } from './heldOutAccuracy.ts'
import type { VectorizerCandidate } from './chooseVectorizer.ts'

/**
 * How a model's held-out accuracy reads to its owner (the CLI's train line and warning). Types only
 * are imported, so the CLI can load this without the training code.
 */

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

/**
 * The clause after "train accuracy ...": `, held-out 71.3% (5-fold; always "admin": 27.9%)`, the
 * reason when the data allowed no cross-validation, and "" when none was asked for.
 */
export function heldOutText(h: HeldOutAccuracyReturnType | undefined): string {
  if (!h) return ''
  if (!('accuracy' in h)) return `, held-out not estimated (${h.skipped})`
  const lowered = h.folds < h.requestedFolds ? `, lowered from ${h.requestedFolds}: the smallest class has ${h.folds} records` : ''
  return `, held-out ${pct(h.accuracy)} (${h.folds}-fold${lowered}; always "${h.majority.label}": ${pct(h.majority.rate)})`
}

/**
 * The warning a model owner gets when held-out accuracy does not clearly beat the majority class
 * (undefined when it does, or when no cross-validation ran): both figures and what to try, other
 * than the model's own vectoriser (`vectorizerSpec`, as the manifest writes it).
 */
export function heldOutWarning(h: HeldOutAccuracyReturnType | undefined, vectorizerSpec?: string, { chosen = false }: { chosen?: boolean } = {}): string | undefined {
  if (!h || !('accuracy' in h) || h.clearlyAboveMajority) return undefined
  // The model's own spec (`char:2-4@1024`) is not suggested again, whatever its width.
  const others = ['auto', 'char:2-4', 'word:1-2'].filter((s) => s !== vectorizerSpec?.replace(/@\d+$/, '') && !(s === 'auto' && chosen)).map((s) => `--vectoriser ${s}`)
  return `held-out accuracy ${pct(h.accuracy)} (${h.folds}-fold) is not clearly above always answering "${h.majority.label}" (${pct(h.majority.rate)}; ` +
    `the line is ${pct(h.threshold)}, 2 standard errors above it): the model has not shown it learned anything beyond the class frequencies, ` +
    `so attributions to its training records are likely noise. Try ${[...others, 'more records per class'].join(', ')}`
}

/** `--vectoriser auto`'s comparison: `hashing-v1 59.2%, word:1-2@1024 59.2%, ...` (a skipped one says why). */
export function vectorizerChoiceText(candidates: readonly VectorizerCandidate[]): string {
  return candidates.map((c) => ('accuracy' in c ? `${c.spec} ${pct(c.accuracy)}` : `${c.spec} skipped (${c.skipped})`)).join(', ')
}
