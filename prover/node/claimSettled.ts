import type { PoaChain } from '../chain/connectChain.ts'
import { claimRewards, INFERENCE_STATUS, settlementAt } from '../clients/settlementClient.ts'
import { PoaError } from '../errors/index.ts'
import type { JobQueue } from './jobQueue.ts'

/** The settlement's `_claimed` bit of the fees (and the bond): set once anyone has claimed the inference. */
const FEES_BIT = 1n << 255n

export type ClaimRoundParameters = {
  chain: PoaChain
  settlement: string
  queue: JobQueue
  retry: <T>(work: () => Promise<T>) => Promise<T>
  log: (line: string) => void
  signal: AbortSignal
}

/**
 * The prover's pay: once the challenge window of a job this node settled has passed, send claimAll,
 * which credits the contributors' payouts, the fees and this node's bond back into the settlement
 * (where the next settle's bond is taken from). Without it a node's bonds stayed locked and each
 * settle drew a fresh bond from its wallet. An inference someone else claimed is only marked; one
 * no longer settled (a challenge cancelled it) is left to the challenge scan. Returns how many it claimed.
 */
export async function claimRound(p: ClaimRoundParameters): Promise<number> {
  const jobs = p.queue.unclaimed()
  if (jobs.length === 0) return 0
  const contract = await settlementAt(p.settlement, p.chain.provider)
  const now = (await p.retry(() => p.chain.run('read the latest block', () => p.chain.provider.getBlock('latest'))))!.timestamp
  let claimed = 0
  for (const job of jobs) {
    if (p.signal.aborted) break
    const id = job.inferenceId
    const readInference = () => p.retry(() => p.chain.run('read inference', () => contract.inference(id)))
    // The window's end is read once per job, so a node with many settled jobs reads one block a round.
    let claimableAt = job.claimableAt
    const inf = claimableAt === undefined ? await readInference() : undefined
    if (inf !== undefined) {
      if (Number(inf.status) !== INFERENCE_STATUS.Settled) continue
      claimableAt = Number(inf.claimableAt)
      p.queue.noteClaimable(id, claimableAt)
    }
    // The next block is at least a second later (the contract compares its timestamp).
    if (now + 1 < claimableAt!) continue
    const [current, bitmap] = await Promise.all([
      inf ?? readInference(),
      p.retry(() => p.chain.run('read claimed bitmap', () => contract.claimedBitmap(id))),
    ])
    if (Number(current.status) !== INFERENCE_STATUS.Settled) continue
    if ((BigInt(bitmap) & FEES_BIT) !== 0n) {
      p.queue.markClaimed(id, 'another')
      p.log(`node: ${id} was claimed by someone else`)
      continue
    }
    try {
      const tx = await p.retry(() => claimRewards({ settlement: p.settlement, signer: p.chain.signer, inferenceId: id }))
      p.queue.markClaimed(id, tx.txHash)
      claimed++
      p.log(`node: ${id} claimed: its payouts, the prover fee and the bond credited (tx ${tx.txHash})`)
    } catch (error) {
      if (p.signal.aborted) break
      // Left unclaimed: the next round tries again.
      p.log(`node: ${id}: claim failed (${error instanceof PoaError ? error.shortMessage : String(error)}); will retry`)
    }
  }
  return claimed
}
