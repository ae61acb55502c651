import { PoaError } from '../errors/index.ts'

/** The Governor's proposal states, in the order of OpenZeppelin's `IGovernor.ProposalState` enum. */
export const PROPOSAL_STATES = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed'] as const
export type ProposalState = (typeof PROPOSAL_STATES)[number]

/** A governance setting given at deployment is outside what the contracts accept. */
export class GovernanceSettingError extends PoaError {
  constructor({ setting, expected, got }: { setting: string; expected: string; got: unknown }) {
    super('GOVERNANCE_SETTING_INVALID', 'BAD_INPUT', `governance setting ${setting}: expected ${expected}, got ${String(got)}`, {
      meta: { setting, expected, got },
    })
  }
}

/** A named proposal action is unknown, or one of its arguments is malformed. */
export class GovernanceActionError extends PoaError {
  constructor({ action, argument, expected, got }: { action: string; argument: string; expected: string; got: unknown }) {
    super('GOVERNANCE_ACTION_INVALID', 'BAD_INPUT', `gov action ${action} ${argument}: expected ${expected}, got ${JSON.stringify(got)}`, {
      meta: { action, argument, expected, got },
    })
  }
}

/** The proposer's votes (at the previous block) are below the governor's proposal threshold. */
export class GovernanceBelowThresholdError extends PoaError {
  constructor({ proposer, votesWei, thresholdWei, cause }: { proposer: string; votesWei: bigint; thresholdWei: bigint; cause?: unknown }) {
    super(
      'GOVERNANCE_BELOW_THRESHOLD',
      'CHAIN',
      `proposer ${proposer} has ${votesWei} votes (OPEN wei) at the previous block, below the proposal threshold ${thresholdWei}; delegate votes to it first (poa gov delegate)`,
      { meta: { proposer, votesWei, thresholdWei }, cause },
    )
  }
}

/** A proposal is not in a state that allows the action (vote outside the period, queue before success...). */
export class GovernanceProposalStateError extends PoaError {
  constructor({ proposalId, action, expected, got, cause }: { proposalId: bigint; action: string; expected: readonly ProposalState[]; got: ProposalState; cause?: unknown }) {
    super('GOVERNANCE_PROPOSAL_STATE', 'CHAIN', `cannot ${action}: proposal ${proposalId} is ${got}, expected ${expected.join(' or ')}`, {
      meta: { proposalId, action, expected, got },
      cause,
    })
  }
}

/** A queued proposal was executed before its timelock ETA. */
export class GovernanceTooEarlyError extends PoaError {
  constructor({ proposalId, etaSeconds, nowSeconds, cause }: { proposalId: bigint; etaSeconds: bigint; nowSeconds: bigint; cause?: unknown }) {
    super(
      'GOVERNANCE_TOO_EARLY',
      'CHAIN',
      `cannot execute proposal ${proposalId} before its ETA ${etaSeconds} (${new Date(Number(etaSeconds) * 1000).toISOString()}); the chain is at ${nowSeconds}, ${etaSeconds - nowSeconds} s to go`,
      { meta: { proposalId, etaSeconds, nowSeconds }, cause },
    )
  }
}

/** No ProposalCreated event of this id was found on the governor. */
export class GovernanceProposalUnknownError extends PoaError {
  constructor({ proposalId, governor, fromBlock, toBlock }: { proposalId: bigint; governor: string; fromBlock: number; toBlock: number }) {
    super('GOVERNANCE_PROPOSAL_UNKNOWN', 'BAD_INPUT', `proposal ${proposalId} does not exist on governor ${governor} (no ProposalCreated in blocks ${fromBlock}..${toBlock})`, {
      meta: { proposalId, governor, fromBlock, toBlock },
    })
  }
}

/** The deployer cannot hand a contract to the timelock because someone else owns it. */
export class GovernanceHandOverError extends PoaError {
  constructor({ contract, address, owner, deployer }: { contract: string; address: string; owner: string; deployer: string }) {
    super('GOVERNANCE_HANDOVER_FAILED', 'CHAIN', `cannot hand ${contract} at ${address} to the timelock: it is owned by ${owner}, not by the deployer ${deployer}`, {
      meta: { contract, address, owner, deployer },
    })
  }
}
