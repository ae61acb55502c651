import { id as keccakUtf8, type ContractRunner, type Log } from 'ethers'
import { governorAt } from './contracts.ts'
import { GovernanceProposalUnknownError } from './errors.ts'

/** What a proposal does, as emitted in its ProposalCreated event: enough to queue and execute it. */
export type ProposalDetails = {
  proposalId: bigint
  proposer: string
  targets: string[]
  valuesWei: bigint[]
  calldatas: string[]
  description: string
  /** keccak256 of the description: the Governor's queue/execute take it instead of the text. */
  descriptionHash: string
  /** Block of the propose transaction. */
  proposedAtBlock: number
  voteStartBlock: bigint
  voteEndBlock: bigint
}

export type FindProposalParameters = {
  governor: string
  runner: ContractRunner
  proposalId: bigint
  /** First block to search; default: the proposal's snapshot minus the current voting delay, then 0. */
  fromBlock?: number
}

/**
 * Recover a proposal's actions from its ProposalCreated event. The Governor stores only the hash of
 * a proposal (OpenZeppelin's GovernorStorage would keep the arrays, at ~20k gas per word), and
 * `queue`/`execute` need the arrays back; the event holds them. Its proposalId is not indexed, so
 * the search reads the governor's ProposalCreated logs in a range that starts where the proposal
 * must be: the snapshot is `proposeBlock + votingDelay`.
 */
export async function findProposal({ governor, runner, proposalId, fromBlock }: FindProposalParameters): Promise<ProposalDetails> {
  const contract = await governorAt(governor, runner)
  const provider = contract.runner?.provider
  if (!provider) throw new TypeError('findProposal: the runner has no provider')
  const latest = await provider.getBlockNumber()
  const snapshot: bigint = await contract.proposalSnapshot(proposalId)
  if (snapshot === 0n) throw new GovernanceProposalUnknownError({ proposalId, governor, fromBlock: 0, toBlock: latest })
  const starts = fromBlock !== undefined ? [fromBlock] : [Math.max(0, Number(snapshot - (await contract.votingDelay())) - 1), 0]
  for (const start of starts) {
    // The proposal cannot be later than its snapshot, so the search never needs to go past it.
    const end = Math.min(latest, Number(snapshot))
    const logs: Log[] = await provider.getLogs({ address: governor, topics: [contract.interface.getEvent('ProposalCreated')!.topicHash], fromBlock: start, toBlock: end })
    for (const log of logs) {
      const parsed = contract.interface.parseLog(log)
      if (!parsed || BigInt(parsed.args.proposalId) !== proposalId) continue
      const a = parsed.args
      return {
        proposalId,
        proposer: a.proposer,
        targets: [...a.targets],
        // `values` is also a method of ethers' Result, so the array is read by position (targets, values, signatures, calldatas).
        valuesWei: [...(a[3] as bigint[])].map((v) => BigInt(v)),
        calldatas: [...a.calldatas],
        description: a.description,
        descriptionHash: keccakUtf8(a.description),
        proposedAtBlock: log.blockNumber,
        voteStartBlock: BigInt(a.voteStart),
        voteEndBlock: BigInt(a.voteEnd),
      }
    }
  }
  throw new GovernanceProposalUnknownError({ proposalId, governor, fromBlock: starts[starts.length - 1], toBlock: latest })
}
