import type { EventLog, Log } from 'ethers'
import { PoaError } from '../errors/index.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { readModelOnChain, type ModelOnChain } from '../clients/modelRegistry.ts'
import { readDatanetRoot } from '../clients/datanetRegistry.ts'
import { settlementAt } from '../clients/settlementClient.ts'
import type { Hex } from '../proof/proofSystem.ts'

/**
 * What an auditor reads from the chain about one settled inference: the AttributionSettled event,
 * the settle transaction's calldata (proof and public inputs), the recorded inference, the model and
 * datanet root the registries hold, and the code of the verifier approved for the circuit id.
 * Plain data: the audit compares it field by field with what it recomputes off-chain.
 */
export type SettlementOnChain = {
  chainId: bigint
  settlement: string
  inferenceId: string
  /** 0 None, 1 Pending, 2 Settled, 3 Refunded. */
  status: number
  inference: { modelId: bigint; host: string; queryCommitment: bigint; feeWei: bigint; poolWei: bigint; recordedBlock?: number }
  event: { blockNumber: number; txHash: string; prover: string; circuitId: string; paidToContributorsWei: bigint; payoutSlots: bigint[] }
  /** Decoded `settle(inferenceId, circuitId, prover, proof, publicInputs)` arguments (proof: the system's bytes). */
  calldata: { inferenceId: string; circuitId: string; proof: Hex; publicInputs: bigint[] }
  settlementIdOnChain: bigint
  model: ModelOnChain
  /** DatanetRegistry.root(model.datanetId, model.datanetVersion). */
  datanetRoot: bigint
  verifier: { address: string; inputCount: number; code: string }
}

/** No AttributionSettled event for this inference in the searched range. */
export class SettlementNotFoundError extends PoaError {
  constructor({ inferenceId, fromBlock, toBlock }: { inferenceId: string; fromBlock: number; toBlock: number | 'latest' }) {
    super('SETTLEMENT_NOT_FOUND', 'BAD_INPUT', `inference ${inferenceId}: no AttributionSettled event in blocks ${fromBlock}..${toBlock} (not settled yet, or another settlement contract)`, {
      meta: { inferenceId, fromBlock, toBlock },
    })
  }
}

export type ReadSettlementParameters = { chain: PoaChain; settlement: string; inferenceId: string; fromBlock?: number; toBlock?: number }

export async function readSettlement({ chain, settlement, inferenceId, fromBlock = 0, toBlock }: ReadSettlementParameters): Promise<SettlementOnChain> {
  const contract = await settlementAt(settlement, chain.provider)
  const logs = await chain.run('query AttributionSettled', () => contract.queryFilter(contract.filters.AttributionSettled(inferenceId), fromBlock, toBlock ?? 'latest'))
  // The latest settlement: a challenged one is followed by another for the same inference.
  const log = logs[logs.length - 1] as EventLog | undefined
  if (!log) throw new SettlementNotFoundError({ inferenceId, fromBlock, toBlock: toBlock ?? 'latest' })
  const tx = await chain.run('read settle transaction', () => chain.provider.getTransaction(log.transactionHash))
  if (!tx) throw new SettlementNotFoundError({ inferenceId, fromBlock, toBlock: toBlock ?? 'latest' })
  const parsed = contract.interface.parseTransaction({ data: tx.data, value: tx.value })
  // A settle sent through another contract (a multisig) carries other calldata: fall back to the event.
  const direct = parsed?.name === 'settle'
  const big = (x: unknown) => BigInt(x as bigint)
  const calldata: SettlementOnChain['calldata'] = direct
    ? {
        inferenceId: parsed.args[0] as string,
        circuitId: parsed.args[1] as string,
        proof: parsed.args[3] as Hex,
        publicInputs: (parsed.args[4] as bigint[]).map(big),
      }
    : { inferenceId, circuitId: log.args.circuitId as string, proof: '0x', publicInputs: [] }
  const inf = await chain.run('read inference', () => contract.inference(inferenceId))
  const recorded = await chain.run('query InferenceRecorded', () => contract.queryFilter(contract.filters.InferenceRecorded(inferenceId), 0, log.blockNumber))
  const model = await readModelOnChain({ chain, modelId: big(inf.modelId) })
  const datanetRoot = await readDatanetRoot({ chain, datanetId: model.datanetId, version: model.datanetVersion })
  const [verifierAddress, inputCount] = (await chain.run('read verifier', () => contract.verifierOf(log.args.circuitId))) as [string, bigint]
  const code = await chain.run('read verifier code', () => chain.provider.getCode(verifierAddress))
  return {
    chainId: chain.chainId,
    settlement,
    inferenceId,
    status: Number(inf.status),
    inference: {
      modelId: big(inf.modelId), host: inf.host as string, queryCommitment: big(inf.queryCommitment), feeWei: big(inf.fee), poolWei: big(inf.pool),
      recordedBlock: (recorded[0] as Log | undefined)?.blockNumber,
    },
    event: {
      blockNumber: log.blockNumber, txHash: log.transactionHash, prover: log.args.prover as string, circuitId: log.args.circuitId as string,
      paidToContributorsWei: big(log.args.paidToContributors), payoutSlots: (log.args.payoutSlots as bigint[]).map(big),
    },
    calldata,
    // For the prover the contract paid (the event's), so it is the id the settled proof had to carry.
    settlementIdOnChain: big(await chain.run('read settlementIdOf', () => contract.settlementIdOf(inferenceId, log.args.prover))),
    model,
    datanetRoot,
    verifier: { address: verifierAddress, inputCount: Number(inputCount), code },
  }
}

/** Inference ids settled in a block range (for `poa audit --all`), in settlement order. */
export async function listSettledInferences({ chain, settlement, fromBlock, toBlock }: { chain: PoaChain; settlement: string; fromBlock: number; toBlock?: number }): Promise<string[]> {
  const contract = await settlementAt(settlement, chain.provider)
  const logs = await chain.run('query AttributionSettled', () => contract.queryFilter(contract.filters.AttributionSettled(), fromBlock, toBlock ?? 'latest'))
  // Once each (a challenged inference settles twice), where it last settled.
  const ids = logs.map((l) => (l as EventLog).args.inferenceId as string)
  return ids.filter((id, i) => ids.lastIndexOf(id) === i)
}
