import { Contract, type Signer } from 'ethers'
import { toChecksumAddress } from '../field/index.ts'
import { governanceAbi, sendGovernanceTx, type GovernanceTx } from './contracts.ts'

export type DelegateVotesParameters = {
  signer: Signer
  token: string
  /** Who receives the signer's voting weight; default the signer itself (tokens do not vote until delegated). */
  delegatee?: string
}

export type DelegateVotesReturnType = GovernanceTx & { delegator: string; delegatee: string; votesWei: bigint }

/**
 * Delegate the signer's OPEN voting weight. ERC20Votes counts no vote for an undelegated balance,
 * so every holder, the deployer included, delegates (to itself or someone else) once before voting.
 */
export async function delegateVotes({ signer, token, delegatee }: DelegateVotesParameters): Promise<DelegateVotesReturnType> {
  const delegator = await signer.getAddress()
  const to = delegatee === undefined ? delegator : toChecksumAddress(delegatee, 'delegatee')
  const contract = new Contract(token, await governanceAbi('OpenToken'), signer)
  const tx = await sendGovernanceTx(`delegate votes to ${to}`, () => contract.delegate(to))
  const votesWei: bigint = await contract.getVotes(to)
  return { txHash: tx.txHash, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber, delegator, delegatee: to, votesWei }
}
