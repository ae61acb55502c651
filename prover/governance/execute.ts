import type { Signer } from 'ethers'
import { ChainRevertError } from '../chain/chainErrors.ts'
import { governorAt, sendGovernanceTx, type GovernanceTx } from './contracts.ts'
import { GovernanceTooEarlyError } from './errors.ts'
import { findProposal } from './proposal.ts'

export type RunProposalParameters = {
  signer: Signer
  governor: string
  proposalId: bigint
  /** First block to search for the proposal's ProposalCreated event (see findProposal). */
  fromBlock?: number
}

export type QueueProposalReturnType = GovernanceTx & { proposalId: bigint; etaSeconds: bigint }

/**
 * Queue a succeeded proposal in the timelock; it becomes executable at the returned ETA (queue
 * time + the timelock's minimum delay). Queueing anything but a Succeeded proposal fails with
 * GovernanceProposalStateError.
 */
export async function queueProposal({ signer, governor, proposalId, fromBlock }: RunProposalParameters): Promise<QueueProposalReturnType> {
  const p = await findProposal({ governor, runner: signer, proposalId, fromBlock })
  const contract = await governorAt(governor, signer)
  const tx = await sendGovernanceTx(`queue proposal ${proposalId}`, () => contract.queue(p.targets, p.valuesWei, p.calldatas, p.descriptionHash))
  return { txHash: tx.txHash, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber, proposalId, etaSeconds: await contract.proposalEta(proposalId) }
}

export type ExecuteProposalReturnType = GovernanceTx & { proposalId: bigint; calls: number }

/**
 * Execute a queued proposal once its ETA has passed: the timelock makes its calls. Before the ETA
 * the timelock refuses (TimelockUnexpectedOperationState), reported as GovernanceTooEarlyError with
 * the ETA and the chain's time; a governed contract's own revert (for example
 * SettlementSharesInvalid) comes back as a ChainRevertError naming it.
 */
export async function executeProposal({ signer, governor, proposalId, fromBlock }: RunProposalParameters): Promise<ExecuteProposalReturnType> {
  const p = await findProposal({ governor, runner: signer, proposalId, fromBlock })
  const contract = await governorAt(governor, signer)
  try {
    const tx = await sendGovernanceTx(`execute proposal ${proposalId}`, () => contract.execute(p.targets, p.valuesWei, p.calldatas, p.descriptionHash))
    return { txHash: tx.txHash, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber, proposalId, calls: p.targets.length }
  } catch (error) {
    if (error instanceof ChainRevertError && error.errorName === 'TimelockUnexpectedOperationState') {
      const etaSeconds: bigint = await contract.proposalEta(proposalId)
      const latest = await signer.provider!.getBlock('latest')
      const nowSeconds = BigInt(latest?.timestamp ?? 0)
      if (etaSeconds > nowSeconds) throw new GovernanceTooEarlyError({ proposalId, etaSeconds, nowSeconds, cause: error })
    }
    throw error
  }
}
