import { Contract, Interface, type ContractRunner, type InterfaceAbi, type TransactionReceipt } from 'ethers'
import { toChainError, ChainRevertError, type NamedInterface } from '../chain/chainErrors.ts'
import { loadArtifact } from '../chain/deploy.ts'
import { PROPOSAL_STATES, GovernanceBelowThresholdError, GovernanceProposalStateError, type ProposalState } from './errors.ts'

/**
 * Addresses the governance calls need. `settlement` is the governed contract (optional: a chain
 * without a settlement can still govern the governor, the timelock and the OPEN the timelock holds).
 * ModelRegistry is not governed: it has no owner and no policy (permissionless, append-only).
 */
export type GovernanceAddresses = {
  governor: string
  timelock: string
  token: string
  settlement?: string
}

/** Deployment-file names of the governance contracts (`chain.recordDeployment`). */
export const GOVERNOR_CONTRACT = 'PoaGovernor'
export const TIMELOCK_CONTRACT = 'TimelockController'

/** Every ABI a governance transaction can revert through: the governor, the timelock, and the targets it calls. */
const DECODED = [GOVERNOR_CONTRACT, TIMELOCK_CONTRACT, 'AttributionSettlement', 'OpenToken'] as const

const abis = new Map<string, InterfaceAbi>()

/** A compiled contract's ABI, read once per process. */
export async function governanceAbi(name: string): Promise<InterfaceAbi> {
  let abi = abis.get(name)
  if (!abi) {
    abi = (await loadArtifact(name)).abi
    abis.set(name, abi)
  }
  return abi
}

/** The interfaces `toChainError` tries, in order; a target's error bubbles up through the timelock unchanged. */
export async function governanceInterfaces(): Promise<NamedInterface[]> {
  return Promise.all(DECODED.map(async (name) => ({ name, iface: new Interface(await governanceAbi(name)) })))
}

/** The governor at `address`, connected to `runner`. */
export async function governorAt(address: string, runner: ContractRunner): Promise<Contract> {
  return new Contract(address, await governanceAbi(GOVERNOR_CONTRACT), runner)
}

/** The timelock at `address`, connected to `runner`. */
export async function timelockAt(address: string, runner: ContractRunner): Promise<Contract> {
  return new Contract(address, await governanceAbi(TIMELOCK_CONTRACT), runner)
}

/** A proposal state by its enum index. */
export function proposalStateName(index: bigint | number): ProposalState {
  const name = PROPOSAL_STATES[Number(index)]
  if (name === undefined) throw new RangeError(`proposal state index expected 0..${PROPOSAL_STATES.length - 1}, got ${index}`)
  return name
}

/** The states set in OpenZeppelin's `expectedStates` bitmap (bit i = ProposalState i). */
export function statesOfBitmap(bitmap: bigint | string): ProposalState[] {
  const bits = BigInt(bitmap)
  return PROPOSAL_STATES.filter((_, i) => ((bits >> BigInt(i)) & 1n) === 1n)
}

/** Receipt summary every governance transaction returns. */
export type GovernanceTx = { txHash: string; gasUsed: bigint; blockNumber: number }

/**
 * Send a governance transaction and wait for it. A revert becomes a PoaError: the Governor's own
 * proposal-state and threshold errors get their dedicated classes (named states, numbers), any
 * other custom error (of the governor, the timelock or a governed target) a ChainRevertError.
 */
export async function sendGovernanceTx(action: string, tx: () => Promise<any>): Promise<{ receipt: TransactionReceipt } & GovernanceTx> {
  try {
    const response = await tx()
    const receipt = (await response.wait()) as TransactionReceipt
    return { receipt, txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw refineGovernanceError(toChainError(error, action, await governanceInterfaces()), action)
  }
}

/** Map the Governor's raw custom errors to the governance error classes; others pass through. */
export function refineGovernanceError<E extends Error>(error: E, action: string): Error {
  if (!(error instanceof ChainRevertError)) return error
  const a = error.args as Record<string, any>
  if (error.errorName === 'GovernorUnexpectedProposalState') {
    return new GovernanceProposalStateError({
      proposalId: BigInt(a.proposalId),
      action,
      expected: statesOfBitmap(a.expectedStates),
      got: proposalStateName(a.current),
      cause: error,
    })
  }
  if (error.errorName === 'GovernorInsufficientProposerVotes') {
    return new GovernanceBelowThresholdError({ proposer: String(a.proposer), votesWei: BigInt(a.votes), thresholdWei: BigInt(a.threshold), cause: error })
  }
  return error
}
