import type { EventLog } from 'ethers'
import type { PoaChain } from '../chain/index.ts'
import { settlementAt } from '../clients/settlementClient.ts'
import { INFERENCE_STATUSES } from './readInference.ts'
import { settlementAddress } from './settlementAddress.ts'

export type InferenceStatus = (typeof INFERENCE_STATUSES)[number]

/** Options of listInferences: every filter is optional. */
export type ListInferencesParameters = {
  chain: PoaChain
  modelId?: bigint
  /** Only this host's inferences (a checksummed or lower-case address). */
  host?: string
  status?: InferenceStatus
  /** First block to scan (default: the block the core contracts were deployed at). */
  fromBlock?: number
  settlement?: string
}

export type ListedInference = {
  inferenceId: string
  modelId: bigint
  host: string
  status: InferenceStatus
  feeWei: bigint
  poolWei: bigint
  circuitId: string
  recordedBlock: number
  recordedAt: number
  /** When the host may take the fee back while it is unsettled (unix seconds). */
  refundableAt: number
  /** When a settlement's claims open (unix seconds; 0 unless settled). */
  claimableAt: number
}

/**
 * The inferences recorded on this chain's settlement, oldest first, with their current status: what
 * a host checks for fees nobody settled (refundable), a prover for work, a contributor for claims.
 * The model and host filters run in the event query (both are indexed topics).
 */
export async function listInferences(p: ListInferencesParameters): Promise<ListedInference[]> {
  const contract = await settlementAt(settlementAddress(p.chain, p.settlement), p.chain.provider)
  const from = p.fromBlock ?? p.chain.deployment.deployedAtBlock ?? 0
  const filter = contract.filters.InferenceRecorded(null, p.modelId ?? null, p.host ?? null)
  const logs = (await p.chain.run('query InferenceRecorded', () => contract.queryFilter(filter, from))) as EventLog[]
  const listed = await Promise.all(logs.map(async (e) => {
    const inf = await p.chain.run('read inference', () => contract.inference(e.args.inferenceId))
    return {
      inferenceId: String(e.args.inferenceId), modelId: BigInt(e.args.modelId), host: String(e.args.host), status: INFERENCE_STATUSES[Number(inf.status)],
      feeWei: BigInt(inf.fee), poolWei: BigInt(inf.pool), circuitId: String(inf.circuitId), recordedBlock: e.blockNumber,
      recordedAt: Number(inf.recordedAt), refundableAt: Number(inf.refundableAt), claimableAt: Number(inf.claimableAt),
    } satisfies ListedInference
  }))
  return p.status === undefined ? listed : listed.filter((i) => i.status === p.status)
}
