import type { Signer } from 'ethers'
import { governorAt, sendGovernanceTx, type GovernanceTx } from './contracts.ts'
import { GovernanceActionError } from './errors.ts'

/** GovernorCountingSimple's vote types: against = 0, for = 1, abstain = 2. */
export const VOTE_SUPPORT = Object.freeze({ against: 0, for: 1, abstain: 2 } as const)
export type VoteSupport = keyof typeof VOTE_SUPPORT

export type CastVoteParameters = {
  signer: Signer
  governor: string
  proposalId: bigint
  support: VoteSupport
  reason?: string
}

export type CastVoteReturnType = GovernanceTx & { voter: string; support: VoteSupport; weightWei: bigint }

/**
 * Vote on an active proposal with the signer's delegated votes at the proposal's snapshot. A vote
 * outside the voting period fails with GovernanceProposalStateError naming the state it met.
 */
export async function castGovernanceVote({ signer, governor, proposalId, support, reason }: CastVoteParameters): Promise<CastVoteReturnType> {
  if (!Object.hasOwn(VOTE_SUPPORT, support)) {
    throw new GovernanceActionError({ action: 'vote', argument: 'support', expected: 'for, against or abstain', got: support })
  }
  const contract = await governorAt(governor, signer)
  const voter = await signer.getAddress()
  const tx = await sendGovernanceTx(`vote ${support} on proposal ${proposalId}`, () =>
    reason === undefined ? contract.castVote(proposalId, VOTE_SUPPORT[support]) : contract.castVoteWithReason(proposalId, VOTE_SUPPORT[support], reason),
  )
  const cast = tx.receipt.logs.map((log) => contract.interface.parseLog(log)).find((e) => e?.name === 'VoteCast')
  return { txHash: tx.txHash, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber, voter, support, weightWei: cast ? BigInt(cast.args.weight) : 0n }
}
