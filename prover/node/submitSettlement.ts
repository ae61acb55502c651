import { Transaction, ZeroAddress, type EventLog, type Signer } from 'ethers'
import { ChainRevertError, toChainError } from '../chain/chainErrors.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { INFERENCE_STATUS as STATUS, settlementAt } from '../clients/settlementClient.ts'
import { toSolidityCalldata, type ProofPackage } from '../proof/proofPackage.ts'

/**
 * Submitting a settlement so that a kill at any instant never leads to a second submission: the
 * transaction is signed first, its raw bytes and hash are stored (`onSigned`, the job moves to
 * 'submitted' in the same SQLite transaction), and only then broadcast. After a restart,
 * `resolveSubmitted` looks at the chain: the AttributionSettled event (ours or another node's),
 * our receipt, or, when neither exists and the inference is still pending, it re-broadcasts the
 * same signed bytes (same nonce and hash: the chain can include them at most once).
 */

export type Outcome =
  | { kind: 'settled'; txHash: string; blockNumber: number }
  | { kind: 'dropped'; reason: string }
  | { kind: 'failed'; reason: string }

export async function inferenceStatus(chain: PoaChain, settlement: string, inferenceId: string): Promise<{ status: number; modelId: bigint; queryCommitment: bigint; poolWei: bigint; circuitId: string }> {
  const contract = await settlementAt(settlement, chain.provider)
  const inf = await chain.run('read inference', () => contract.inference(inferenceId))
  return { status: Number(inf.status), modelId: BigInt(inf.modelId), queryCommitment: BigInt(inf.queryCommitment), poolWei: BigInt(inf.pool), circuitId: String(inf.circuitId) }
}

async function settledEvent(chain: PoaChain, settlement: string, inferenceId: string): Promise<EventLog | undefined> {
  const contract = await settlementAt(settlement, chain.provider)
  const logs = await chain.run('query AttributionSettled', () => contract.queryFilter(contract.filters.AttributionSettled(inferenceId)))
  // The latest: a challenged settlement is followed by another one for the same inference.
  return logs[logs.length - 1] as EventLog | undefined
}

/** Why a pending check says stop: undefined while the inference still awaits a proof. */
export async function notPendingReason(chain: PoaChain, settlement: string, inferenceId: string): Promise<string | undefined> {
  const { status } = await inferenceStatus(chain, settlement, inferenceId)
  if (status === STATUS.Pending) return undefined
  if (status === STATUS.Settled) {
    const event = await settledEvent(chain, settlement, inferenceId)
    return `already settled by ${event?.args.prover ?? 'another prover'}${event ? ` in tx ${event.transactionHash}` : ''}`
  }
  return status === STATUS.Refunded ? 'refunded to the host' : `status ${status} (unknown inference)`
}

export type SignSettlementParameters = { chain: PoaChain; signer: Signer; settlement: string; inferenceId: string; pkg: ProofPackage }

/** Sign (not send) the settle transaction; a revert at gas estimation comes back as a ChainRevertError. */
export async function signSettlement({ chain, signer, settlement, inferenceId, pkg }: SignSettlementParameters): Promise<{ rawTx: string; txHash: string }> {
  const { proof, publicInputs } = toSolidityCalldata(pkg)
  const contract = await settlementAt(settlement, signer)
  const request = await contract.settle.populateTransaction(inferenceId, pkg.circuit.id, ZeroAddress, proof, publicInputs)
  const rawTx = await chain.run(`sign settle ${inferenceId}`, async () => {
    try {
      return await signer.signTransaction(await signer.populateTransaction(request))
    } catch (error) {
      throw toChainError(error, `settle ${inferenceId}`, [{ name: 'AttributionSettlement', iface: contract.interface }])
    }
  })
  return { rawTx, txHash: Transaction.from(rawTx).hash! }
}

/** A revert that means "someone else was first": back off instead of failing. */
export function isLostRace(error: unknown): boolean {
  return error instanceof ChainRevertError && (error.errorName === 'SettlementNotPending' || error.errorName === 'SettlementInputMismatch')
}

export async function broadcast(chain: PoaChain, rawTx: string): Promise<void> {
  try {
    await chain.provider.broadcastTransaction(rawTx)
  } catch (error) {
    // Already known / nonce used: the same bytes were sent before the crash; the receipt decides.
    const text = String((error as Error).message ?? error)
    if (/already known|nonce too low|known transaction|nonce has already been used/i.test(text)) return
    throw toChainError(error, 'broadcast settle', [])
  }
}

/** Decide a submitted job from the chain; re-broadcasts its own signed bytes when nothing else moved. */
export async function resolveSubmitted(p: { chain: PoaChain; settlement: string; inferenceId: string; txHash: string; rawTx: string; waitMs?: number }): Promise<Outcome> {
  const { chain, settlement, inferenceId, txHash } = p
  for (let round = 0; round < 2; round++) {
    const event = await settledEvent(chain, settlement, inferenceId)
    if (event) {
      return event.transactionHash.toLowerCase() === txHash.toLowerCase()
        ? { kind: 'settled', txHash, blockNumber: event.blockNumber }
        : { kind: 'dropped', reason: `settled by ${event.args.prover} in tx ${event.transactionHash}` }
    }
    const receipt = await chain.run('read receipt', () => chain.provider.getTransactionReceipt(txHash))
    if (receipt && receipt.status === 0) {
      const reason = await notPendingReason(chain, settlement, inferenceId)
      return reason ? { kind: 'dropped', reason } : { kind: 'failed', reason: `settle tx ${txHash} reverted` }
    }
    if (!receipt) {
      const reason = await notPendingReason(chain, settlement, inferenceId)
      if (reason) return { kind: 'dropped', reason }
      if (round === 0) await broadcast(chain, p.rawTx)
    }
    await chain.run('wait for receipt', () => chain.provider.waitForTransaction(txHash, 1, p.waitMs ?? 60_000))
  }
  return { kind: 'failed', reason: `settle tx ${txHash} has no receipt after re-broadcast` }
}
