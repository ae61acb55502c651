import type { PoaChain } from '../chain/connectChain.ts'
import { queryForCommitment, type QueryModelReturnType } from '../influence/index.ts'
import { attributeInference, type AttributeInferenceParameters, type AttributeInferenceReturnType } from '../proof/attributeInference.ts'
import { loadQueryText, NO_QUERY_TEXT } from './queryStore.ts'
import type { ServedModel } from './servedModels.ts'
import { inferenceStatus } from './submitSettlement.ts'

/** Why a recorded inference cannot be proven now: `wait` may pass (the host saves the text late), `failed` will not. */
export type NotProven = { kind: 'wait' | 'failed'; reason: string }

export type ProveRecordedInferenceParameters = Pick<AttributeInferenceParameters, 'circuit' | 'keys' | 'params' | 'scoring' | 'onStage' | 'onProgress' | 'signal'> & {
  home: string
  chain: PoaChain
  settlement: string
  inferenceId: string
  /** The registered model this home serves, with its index and the datanet version's records. */
  served: ServedModel
  /** The prover-fee recipient the proof binds (the account that sends settle). */
  prover: string
  /** The class the recorded commitment must attribute (a label or index); default: whichever class it carries. */
  target?: number | string
}

/**
 * Prove one recorded inference from what the chain holds and this home keeps: recompute the query
 * features from the saved query text with the served model at the class the recorded commitment
 * carries (the predicted one unless the host asked for another), then score, choose and prove with `attributeInference`. Shared by `poa node` (each
 * job) and `poa prove <inference-id>`.
 */
export async function proveRecordedInference(p: ProveRecordedInferenceParameters): Promise<AttributeInferenceReturnType | NotProven> {
  const inf = await inferenceStatus(p.chain, p.settlement, p.inferenceId)
  // Before any work: a proof under other keys would only be refused at settle (SettlementCircuitMismatch).
  if (inf.circuitId.toLowerCase() !== p.keys.circuitId.toLowerCase()) return { kind: 'failed', reason: `it was recorded for circuit ${inf.circuitId}; these keys prove circuit ${p.keys.circuitId} (another parameter set or proof system)` }
  const q = await recordedQuery({ home: p.home, inferenceId: p.inferenceId, served: p.served, commitment: inf.queryCommitment, target: p.target })
  if ('kind' in q) return q
  return attributeInference({
    circuit: p.circuit, keys: p.keys, params: p.params, index: p.served.index, records: p.served.records,
    query: { inputHash: q.inputHash, features: q.features }, poolWei: inf.poolWei,
    settlement: { chainId: p.chain.chainId, address: p.settlement, inferenceId: p.inferenceId, prover: p.prover },
    scoring: p.scoring, onStage: p.onStage, onProgress: p.onProgress, signal: p.signal,
  })
}

/**
 * The query of a recorded inference, recomputed from the text saved in `home` with the served
 * model, at the class the recorded commitment carries (queryInputHash.ts: the predicted one unless
 * the host asked for another; `target` makes one required). Shared by proving and challenging.
 */
export async function recordedQuery(p: { home: string; inferenceId: string; served: ServedModel; commitment: bigint; target?: number | string }): Promise<QueryModelReturnType | NotProven> {
  const text = await loadQueryText({ home: p.home, inferenceId: p.inferenceId })
  if (text === undefined) return { kind: 'wait', reason: `${NO_QUERY_TEXT} in ${p.home}/queries/ (save it with "poa inference save-query")` }
  const found = await queryForCommitment({ model: p.served.model, text, featureFracBits: p.served.featureScale, commitment: p.commitment, target: p.target })
  if (found.matched) return found.query
  const q = found.query
  const classes = found.tried.map((c) => p.served.model.manifest.labels[c] ?? c).join(', ')
  return { kind: 'failed', reason: `the stored query text commits to ${q.queryCommitment} (class ${q.target.label}; none of the classes ${classes} gives the recorded ${p.commitment})` }
}
