import { contentHash } from '../datanet/recordLeaf.ts'
import { queryCommitment } from '../index/featureHash.ts'
import { createSession, type ProviderName, type ProviderRequest } from './createSession.ts'
import { computeFeatures, InputDimensionError } from './computeFeatures.ts'
import { quantizeFeatures, featuresToBigints } from './quantize.ts'
import { vectorize, type SparseVector } from './vectorize.ts'
import type { LoadedModel } from './modelStore.ts'

/**
 * Run one query: the model's prediction and the query features phi_q, i.e. the projected head
 * gradient at the predicted class (no true label exists at query time, as in TRAK), quantised at
 * the index's scale, and the query commitment Poseidon(inputHash, featureHash(phi_q)).
 * Input is text (inputHash = contentHash(text), vectorised with the model's vectoriser) or a raw
 * input vector of the model's input width (inputHash = contentHash of its float32 LE bytes).
 */
export type QueryInput = { text: string } | { vector: Float32Array }

export type QueryModelParameters = QueryInput & {
  model: Pick<LoadedModel, 'manifest' | 'featureBytes' | 'contract'>
  /** The index's featureFracBits: phi_q must be at the same scale as the phi_i it is scored against. */
  featureFracBits: number
  provider?: ProviderRequest
}

export type QueryModelReturnType = {
  prediction: { class: number; label: string; probabilities: number[] }
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
  let row: SparseVector
  let inputHash: bigint
  if ('text' in p) {
    row = vectorize(p.text, manifest.vectorizer)
    inputHash = contentHash(p.text)
  } else {
    if (p.vector.length !== contract.inputDim) throw new InputDimensionError({ where: 'query vector', expected: contract.inputDim, got: p.vector.length })
    row = toSparse(p.vector)
    inputHash = contentHash(new Uint8Array(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength))
  }
  const opened = await createSession({ bytes: p.model.featureBytes, provider: p.provider })
  try {
    const common = {
      session: opened.session, inputName: contract.inputName, probsName: contract.probsName, inputDim: contract.inputDim,
      k: manifest.projection.k, classes: manifest.classes, rows: [row],
    }
    // Pass 1 reads the prediction; pass 2 takes the gradient at the predicted class.
    const first = await computeFeatures({ ...common, labels: [0] })
    const probabilities = Array.from(first.probs)
    const predicted = probabilities.indexOf(Math.max(...probabilities))
    const floats = predicted === 0 ? first.features : (await computeFeatures({ ...common, labels: [predicted] })).features
    const { values, clamped } = quantizeFeatures(floats, p.featureFracBits, { clamp: true, where: 'query features' })
    const features = featuresToBigints(values)
    return {
      prediction: { class: predicted, label: manifest.labels[predicted] ?? `class${predicted}`, probabilities },
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
