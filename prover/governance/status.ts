import type { ContractRunner } from 'ethers'
import { governorAt, proposalStateName } from './contracts.ts'
import type { ProposalState } from './errors.ts'
import { findProposal, type ProposalDetails } from './proposal.ts'

export type ProposalStatusParameters = {
  governor: string
  runner: ContractRunner
  proposalId: bigint
  fromBlock?: number
}

export type ProposalStatus = ProposalDetails & {
  state: ProposalState
  forVotesWei: bigint
  againstVotesWei: bigint
  abstainVotesWei: bigint
  /** Votes (for + abstain) needed, from the supply at the snapshot. */
  quorumWei: bigint
  /** Whether for + abstain already reach the quorum. */
  quorumReached: boolean
  /** Timelock ETA in seconds (0 until queued). */
  etaSeconds: bigint
  /** The chain's latest block and its time, to compare with the vote window and the ETA. */
  currentBlock: number
  currentTimestamp: number
}

/**
 * Everything a voter needs about one proposal: its state, the votes so far, the quorum, the vote
 * window and, once queued, the ETA. The quorum is read at the snapshot; while the vote has not
 * started (Pending) the snapshot is in the future, so the quorum is computed from the current supply.
 */
export async function proposalStatus({ governor, runner, proposalId, fromBlock }: ProposalStatusParameters): Promise<ProposalStatus> {
  const details = await findProposal({ governor, runner, proposalId, fromBlock })
  const contract = await governorAt(governor, runner)
  const block = await contract.runner!.provider!.getBlock('latest')
  const currentBlock = block?.number ?? 0
  const [state, votes, etaSeconds] = await Promise.all([contract.state(proposalId), contract.proposalVotes(proposalId), contract.proposalEta(proposalId)])
  // quorum(t) needs t in the past; before the snapshot the latest block is the best estimate.
  const timepoint = details.voteStartBlock < BigInt(currentBlock) ? details.voteStartBlock : BigInt(Math.max(0, currentBlock - 1))
  const quorumWei: bigint = await contract.quorum(timepoint)
  const [againstVotesWei, forVotesWei, abstainVotesWei] = [BigInt(votes[0]), BigInt(votes[1]), BigInt(votes[2])]
  return {
    ...details,
    state: proposalStateName(state),
    forVotesWei,
    againstVotesWei,
    abstainVotesWei,
    quorumWei,
    quorumReached: forVotesWei + abstainVotesWei >= quorumWei,
    etaSeconds: BigInt(etaSeconds),
    currentBlock,
    currentTimestamp: block?.timestamp ?? 0,
  }
}
