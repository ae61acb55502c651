import { id as keccakUtf8, type Signer } from 'ethers'
import { governorAt, sendGovernanceTx, type GovernanceTx } from './contracts.ts'
import type { GovernanceCall } from './actions.ts'
import { GovernanceActionError } from './errors.ts'

export type ProposeParameters = {
  signer: Signer
  governor: string
  /** One or more calls (from `buildGovernanceCall`), executed in order by the timelock. */
  calls: readonly GovernanceCall[]
  /** Default: the calls' summaries joined by "; ". Two proposals with the same calls need different descriptions. */
  description?: string
}

export type ProposeReturnType = GovernanceTx & {
  proposalId: bigint
  description: string
  descriptionHash: string
  /** Votes are counted at this block; voting opens after it. */
  voteStartBlock: bigint
  /** Last block of the vote. */
  voteEndBlock: bigint
}

/**
 * Submit a proposal. The Governor checks the proposer's votes at the previous block against the
 * proposal threshold (a shortfall becomes GovernanceBelowThresholdError with both numbers).
 */
export async function proposeGovernance({ signer, governor, calls, description }: ProposeParameters): Promise<ProposeReturnType> {
  if (calls.length === 0) throw new GovernanceActionError({ action: 'propose', argument: 'calls', expected: 'at least one call', got: [] })
  const text = description ?? calls.map((c) => c.summary).join('; ')
  const contract = await governorAt(governor, signer)
  const targets = calls.map((c) => c.target)
  const values = calls.map((c) => c.valueWei)
  const calldatas = calls.map((c) => c.calldata)
  const proposalId: bigint = await contract.hashProposal(targets, values, calldatas, keccakUtf8(text))
  const tx = await sendGovernanceTx(`propose "${text}"`, () => contract.propose(targets, values, calldatas, text))
  const [voteStartBlock, voteEndBlock] = await Promise.all([contract.proposalSnapshot(proposalId), contract.proposalDeadline(proposalId)])
  return { txHash: tx.txHash, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber, proposalId, description: text, descriptionHash: keccakUtf8(text), voteStartBlock, voteEndBlock }
}
