import { createScoringBackend, queryModel, type ProviderRequest, type ScoringBackendRequest, type ScoringKernel } from '../influence/index.ts'
import type { DatanetRef } from '../datanet/index.ts'
import type { AppFolders } from './appOptions.ts'
import { openModelIndex } from './openModelIndex.ts'

/** Options of attributeQuery. */
export type AttributeQueryParameters = Pick<AppFolders, 'home'> & {
  model: string
  datanet: DatanetRef
  version?: number
  /** The query text (exactly as it will be committed). */
  text: string
  /** The class to attribute (a label or class index); default: the predicted class. */
  target?: number | string
  /** Candidates to return. */
  topK: number
  /** Scoring worker threads. */
  workers: number
  /** The model's execution provider; with `scoring` 'auto' or 'onnx' also the scoring's (scoringBackend.ts). */
  provider?: ProviderRequest
  /** Which backend scores (default 'auto': onnxruntime on CUDA when `provider` means CUDA, else native). */
  scoring?: ScoringBackendRequest
}

export type AttributeQueryReturnType = {
  prediction: { label: string; probabilities: number[] }
  /** The attributed class (carried in the query commitment's inputHash). */
  target: { class: number; label: string; predicted: boolean }
  queryCommitment: bigint
  inputHash: bigint
  provider: string
  workers: number
  /** What scored: native/js kernel or onnxruntime and its provider, with any fallback reason. */
  kernel: ScoringKernel
  datanet: { id: string; version: number; root: string }
  indexRoot: string
  /** Scores are exact integers at scale 2^-scoreFracBits. */
  scoreFracBits: number
  top: { position: number; score: bigint; contributor: string; label?: string }[]
  distribution: { count: number; positive: number }
}

/**
 * Attribute one query off-chain: the model's prediction and query features, every record of the
 * model's index over the datanet version scored in worker threads, and the top-K records with
 * their contributors. Nothing is proven or sent; `poa demo` and the node add those steps.
 */
export async function attributeQuery(p: AttributeQueryParameters): Promise<AttributeQueryReturnType> {
  const { model, index, records } = await openModelIndex({ home: p.home, model: p.model, datanet: p.datanet, version: p.version, withRecords: true })
  const q = await queryModel({ model, text: p.text, target: p.target, featureFracBits: index.manifest.featureFracBits, provider: p.provider })
  const pool = createScoringBackend({ workers: p.workers, scoring: p.scoring, provider: p.provider })
  let scored
  try {
    scored = await pool.score({ features: index.features, k: index.manifest.k, query: q.features, topK: p.topK })
  } finally {
    await pool.destroy()
  }
  return {
    prediction: q.prediction, target: q.target, queryCommitment: q.queryCommitment, inputHash: q.inputHash, provider: q.provider, workers: scored.workers, kernel: scored.kernel,
    datanet: index.manifest.datanet, indexRoot: index.manifest.root, scoreFracBits: 2 * index.manifest.featureFracBits,
    top: scored.top.map((t) => ({ ...t, contributor: records![t.position].contributor, label: records![t.position].label })),
    distribution: scored.distribution,
  }
}
