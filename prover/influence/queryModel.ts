import { queryCommitment } from '../index/featureHash.ts'
import { createSession, type ProviderName, type ProviderRequest } from './createSession.ts'
import { computeFeatures, InputDimensionError } from './computeFeatures.ts'
import { quantizeFeatures, featuresToBigints } from './quantize.ts'
import { vectorizeNonEmpty, type SparseVector } from './vectorize.ts'
import { queryClassIndex, queryInputHash } from './queryInputHash.ts'
import type { LoadedModel } from './modelStore.ts'

/**
 * Run one query: the model's prediction and the query features phi_q, i.e. the projected head
 * gradient at the attributed class (by default the predicted one: no true label exists at query
 * time, as in TRAK; any class on request), quantised at the index's scale, and the query commitment
 * Poseidon(inputHash, featureHash(phi_q)), whose inputHash binds the input, the vectoriser and the
 * attributed class (queryInputHash.ts). Input is text (vectorised with the model's vectoriser; a
 * text with no term is refused) or a raw input vector of the model's input width.
 */
export type QueryInput = { text: string } | { vector: Float32Array }

export type QueryModelParameters = QueryInput & {
  model: Pick<LoadedModel, 'manifest' | 'featureBytes' | 'contract'>
  /** The index's featureFracBits: phi_q must be at the same scale as the phi_i it is scored against. */
  featureFracBits: number
  /** The class to attribute: a label or class index (default: the predicted class). */
  target?: number | string
  provider?: ProviderRequest
}

export type QueryModelReturnType = {
  prediction: { class: number; label: string; probabilities: number[] }
  /** The attributed class (the prediction unless another was asked for). */
  target: { class: number; label: string; predicted: boolean }
  features: bigint[]
  /** Features that exceeded ±FEATURE_BOUND at this scale and were clamped. */
  clamped: number
  inputHash: bigint
  queryCommitment: bigint
  provider: ProviderName
}

function toSparse(vector: Float32Array): SparseVector {
  const idx: number[] = []
  const val: number[] = []
  vector.forEach((v, i) => {
    if (v !== 0) {
      idx.push(i)
      val.push(v)
    }
  })
  return { indices: Int32Array.from(idx), values: Float32Array.from(val) }
}

export async function queryModel(p: QueryModelParameters): Promise<QueryModelReturnType> {
  const { manifest, contract } = p.model
  const labelOf = (c: number) => manifest.labels[c] ?? `class${c}`
  // A bad class fails before any work.
  const requested = p.target === undefined ? undefined : queryClassIndex(p.target, manifest.labels)
  let row: SparseVector
  if ('text' in p) {
    row = vectorizeNonEmpty([p.text], manifest.vectorizer, () => 'query text')[0]
  } else {
    if (p.vector.length !== contract.inputDim) throw new InputDimensionError({ where: 'query vector', expected: contract.inputDim, got: p.vector.length })
    row = toSparse(p.vector)
  }
  const opened = await createSession({ bytes: p.model.featureBytes, provider: p.provider })
  try {
    const common = {
      session: opened.session, inputName: contract.inputName, probsName: contract.probsName, inputDim: contract.inputDim,
      k: manifest.projection.k, classes: manifest.classes, rows: [row],
    }
    // Pass 1 reads the prediction; pass 2 takes the gradient at the attributed class. Always one
    // row per run, so host, prover and auditor compute the same floats.
    const first = await computeFeatures({ ...common, labels: [0] })
    const probabilities = Array.from(first.probs)
    const predicted = probabilities.indexOf(Math.max(...probabilities))
    const target = requested ?? predicted
    const floats = target === 0 ? first.features : (await computeFeatures({ ...common, labels: [target] })).features
    const { values, clamped } = quantizeFeatures(floats, p.featureFracBits, { clamp: true, where: 'query features' })
    const features = featuresToBigints(values)
    const inputHash = 'text' in p
      ? queryInputHash({ vectorizer: manifest.vectorizer, classIndex: target, input: p.text })
      : queryInputHash({ classIndex: target, input: new Uint8Array(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength) })
    return {
      prediction: { class: predicted, label: labelOf(predicted), probabilities },
      target: { class: target, label: labelOf(target), predicted: target === predicted },
      features,
      clamped,
      inputHash,
      queryCommitment: await queryCommitment({ inputHash, features }),
      provider: opened.provider,
    }
  } finally {
    await opened.session.release()
  }
}

export type QueryForCommitmentParameters = Pick<QueryModelParameters, 'model' | 'featureFracBits' | 'provider'> & {
  text: string
  /** The recorded query commitment to reproduce. */
  commitment: bigint
  /** Only this class (a label or index); default: the predicted class first, then every other. */
  target?: number | string
}

/**
 * The query whose commitment equals a recorded one: a prover or an auditor holds the text and the
 * model but not the class the host attributed, which the commitment carries. Tries the given class,
 * else the predicted class and then each other class (C runs of a one-row model at most).
 * Returns the match, or `matched: false` with the predicted-class query for the report.
 */
export async function queryForCommitment(p: QueryForCommitmentParameters): Promise<{ matched: true; query: QueryModelReturnType } | { matched: false; query: QueryModelReturnType; tried: number[] }> {
  const { commitment, target, ...rest } = p
  const first = await queryModel({ ...rest, target })
  if (first.queryCommitment === commitment) return { matched: true, query: first }
  const tried = [first.target.class]
  if (target === undefined) {
    for (let c = 0; c < p.model.manifest.classes; c++) {
      if (c === first.target.class) continue
      tried.push(c)
      const q = await queryModel({ ...rest, target: c })
      if (q.queryCommitment === commitment) return { matched: true, query: q }
    }
  }
  return { matched: false, query: first, tried }
}
