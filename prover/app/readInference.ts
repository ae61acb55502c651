import type { PoaChain } from '../chain/index.ts'
import { settlementAt } from '../clients/settlementClient.ts'
import { settlementAddress } from './settlementAddress.ts'

/** Options of readInference. */
export type ReadInferenceParameters = {
  chain: PoaChain
  inferenceId: string
  /** The prover-fee recipient whose settlementId to compute (default: the chain's signer). */
  prover?: string
  /** AttributionSettlement address (default: the deployment file's). */
  settlement?: string
}

export const INFERENCE_STATUSES = ['unknown', 'pending', 'settled', 'refunded'] as const

export type ReadInferenceReturnType = {
  inferenceId: string
  status: (typeof INFERENCE_STATUSES)[number]
  host: string
  modelId: bigint
  feeWei: bigint
  poolWei: bigint
  queryCommitment: bigint
  recordedAt: number
  /** When a host may take the fee back if no proof has settled it (unix seconds). */
  refundableAt: number
  /** The circuit (id over its verification key) whose proof must settle it. */
  circuitId: string
  prover: string
  /** The id a proof for `prover` must bind (it binds the fee recipient, the inference, the contract and the chain). */
  settlementId: bigint
}

/** Status, fee, pool and query commitment of a recorded inference, and the settlementId a proof for `prover` must bind. */
export async function readInference(p: ReadInferenceParameters): Promise<ReadInferenceReturnType> {
  const prover = p.prover ?? p.chain.signerAddress
  const contract = await settlementAt(settlementAddress(p.chain, p.settlement), p.chain.provider)
  const inf = await p.chain.run('read inference', () => contract.inference(p.inferenceId))
  return {
    inferenceId: p.inferenceId, status: INFERENCE_STATUSES[Number(inf.status)], host: inf.host as string, modelId: inf.modelId as bigint,
    feeWei: inf.fee as bigint, poolWei: inf.pool as bigint, queryCommitment: inf.queryCommitment as bigint, recordedAt: Number(inf.recordedAt),
    refundableAt: Number(inf.refundableAt), circuitId: String(inf.circuitId),
    prover, settlementId: (await p.chain.run('read settlementIdOf', () => contract.settlementIdOf(p.inferenceId, prover))) as bigint,
  }
}
