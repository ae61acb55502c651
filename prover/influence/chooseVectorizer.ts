import { PoaError } from '../errors/index.ts'
import { heldOutAccuracy, type HeldOutEstimate } from './heldOutAccuracy.ts'
import { EmptyVectorError, parseVectorizerSpec, vectorizeNonEmpty, vectorizerSpec, type SparseVector, type VectorizerConfig } from './vectorize.ts'

/**
 * `--vectoriser auto`: the candidate vectoriser with the best held-out accuracy (heldOutAccuracy.ts,
 * the same folds and seed for each, so they are compared on the same splits). hashing-v1 comes
 * first, so it is kept on a tie; the n-gram specs are those that did best on short and on sentence
 * texts (prover/influence/README.md). Costs one cross-validation per candidate (about 1 s each on
 * 949 short texts, 2 loaded cores).
 */
export const AUTO_VECTORIZER_CANDIDATES = ['hashing-v1', 'word:1-2', 'char:2-4', 'char:3-5'] as const

export type ChooseVectorizerParameters = {
  texts: readonly string[]
  /** Class index of each text. */
  labels: ArrayLike<number>
  classes: number
  classNames?: readonly string[]
  l2?: number
  /** Folds of each cross-validation (at least 2). */
  folds: number
  /** Vectoriser specs to compare (default AUTO_VECTORIZER_CANDIDATES). */
  candidates?: readonly string[]
  recordName?: (i: number) => string
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

/** One candidate's held-out accuracy, or why it could not be used (a text with no term under it). */
export type VectorizerCandidate = { spec: string; accuracy: number } | { spec: string; skipped: string }

export type ChooseVectorizerReturnType = {
  vectorizer: VectorizerConfig
  rows: SparseVector[]
  heldOut: HeldOutEstimate
  candidates: VectorizerCandidate[]
}

/** No candidate could be cross-validated: the data allows no held-out estimate, or every candidate left a text empty. */
export class AutoVectorizerError extends PoaError {
  constructor({ reason }: { reason: string }) {
    super('AUTO_VECTORIZER', 'BAD_INPUT', `vectoriser auto cannot choose: ${reason}`, { meta: { reason } })
  }
}

/** Cross-validate each candidate and return the best with its rows and estimate (see the module comment). */
export async function chooseVectorizer(p: ChooseVectorizerParameters): Promise<ChooseVectorizerReturnType> {
  const specs = p.candidates ?? AUTO_VECTORIZER_CANDIDATES
  const candidates: VectorizerCandidate[] = []
  let best: Omit<ChooseVectorizerReturnType, 'candidates'> | undefined
  for (const [i, spec] of specs.entries()) {
    const vectorizer = parseVectorizerSpec(spec)
    let rows: SparseVector[]
    try {
      rows = vectorizeNonEmpty(p.texts, vectorizer, p.recordName ?? ((r) => `record ${r}`))
    } catch (error) {
      if (!(error instanceof EmptyVectorError)) throw error
      candidates.push({ spec: vectorizerSpec(vectorizer), skipped: error.shortMessage })
      continue
    }
    const heldOut = await heldOutAccuracy({ rows, labels: p.labels, classes: p.classes, dim: vectorizer.dim, l2: p.l2, folds: p.folds, classNames: p.classNames, signal: p.signal })
    if (!('accuracy' in heldOut)) throw new AutoVectorizerError({ reason: heldOut.skipped })
    candidates.push({ spec: vectorizerSpec(vectorizer), accuracy: heldOut.accuracy })
    if (!best || heldOut.accuracy > best.heldOut.accuracy) best = { vectorizer, rows, heldOut }
    p.onProgress?.({ done: i + 1, total: specs.length, unit: 'vectorisers cross-validated' })
  }
  if (!best) throw new AutoVectorizerError({ reason: candidates.map((c) => ('skipped' in c ? `${c.spec}: ${c.skipped}` : c.spec)).join('; ') })
  return { ...best, candidates }
}
