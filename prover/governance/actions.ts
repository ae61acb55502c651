import { Interface, isHexString, parseUnits } from 'ethers'
import { toChecksumAddress } from '../field/index.ts'
import { GOVERNOR_CONTRACT, TIMELOCK_CONTRACT, governanceAbi, type GovernanceAddresses } from './contracts.ts'
import { GovernanceActionError } from './errors.ts'

/** One call a proposal makes from the timelock: what `propose` takes, and what the status shows back. */
export type GovernanceCall = {
  target: string
  valueWei: bigint
  calldata: string
  /** `<action> <args...>`, as typed: the proposal's default description and its human rendering. */
  summary: string
}

type Target = Exclude<keyof GovernanceAddresses, 'governor'> | 'governor'
type Spec = {
  usage: string
  help: string
  target: Target
  contract: string
  fn: string
  encode: (args: readonly string[], action: string) => unknown[]
}

const U64_MAX = 2n ** 64n - 1n

/**
 * The named actions `poa gov propose` understands. Each maps typed arguments to one call of a
 * governed contract, so nobody hand-encodes calldata; the contract still validates the values
 * (shares summing to 100%, a nonzero treasury) when the proposal executes.
 */
const SPECS: Record<string, Spec> = {
  'set-fee-shares': {
    usage: '<contributors%> <prover%> <modelOwner%> <treasury%>',
    help: 'fee split of inferences recorded after execution, in percent (2 decimals), summing to 100',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setShares',
    encode: (args, action) => {
      const names = ['contributors', 'prover', 'modelOwner', 'treasury'] as const
      const bps = names.map((name, i) => percentToBps(args[i], action, `${name}%`))
      const sum = bps.reduce((s, x) => s + x, 0)
      if (sum !== 10_000) throw new GovernanceActionError({ action, argument: 'shares', expected: 'percentages summing to 100', got: args.join(' ') })
      return [{ contributorsBps: bps[0], proverBps: bps[1], modelOwnerBps: bps[2], treasuryBps: bps[3] }]
    },
  },
  'set-treasury': {
    usage: '<address>', help: 'where the settlement credits the treasury share',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setTreasury',
    encode: ([a], action) => [address(a, action, 'address')],
  },
  'set-refund-timeout': {
    usage: '<seconds>', help: 'seconds after recording before an unsettled inference can be refunded',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setRefundTimeout',
    encode: ([s], action) => [integer(s, action, 'seconds', 0n, U64_MAX)],
  },
  'set-challenge-game': {
    usage: '<windowSeconds> <bondOPEN> <challenger%>', help: 'challenge window, prover bond and challenger\'s share of a slashed bond, for settlements after execution',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setChallengeGame',
    encode: ([w, b, c], action) => [{
      windowSeconds: integer(w, action, 'windowSeconds', 0n, 2n ** 32n - 1n),
      bond: open(b, action, 'bondOPEN'),
      challengerBps: percentToBps(c, action, 'challenger%'),
    }],
  },
  'set-challenge-verifier': {
    usage: '<circuitId> <verifierAddress>', help: 'challenge settlements of an attribution circuit (its id) with this challenge circuit verifier (0x0...0 removes it)',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setChallengeVerifier',
    encode: ([c, v], action) => [circuitId(c, action), address(v, action, 'verifierAddress')],
  },
  'set-verifier': {
    usage: '<circuitId> <verifierAddress>', help: 'accept proofs of a circuit (id over its verification key, circuit_id.json) through this verifier (rotation after a new ceremony)',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setVerifier',
    encode: ([c, v], action) => [circuitId(c, action), address(v, action, 'verifierAddress')],
  },
  'remove-verifier': {
    usage: '<circuitId>', help: 'stop accepting proofs of a circuit (pending inferences recorded under it can then only be refunded)',
    target: 'settlement', contract: 'AttributionSettlement', fn: 'setVerifier',
    encode: ([c], action) => [circuitId(c, action), '0x0000000000000000000000000000000000000000'],
  },
  'set-voting-delay': {
    usage: '<blocks>', help: 'blocks between a proposal and the start of its vote',
    target: 'governor', contract: GOVERNOR_CONTRACT, fn: 'setVotingDelay',
    encode: ([b], action) => [integer(b, action, 'blocks', 0n, 2n ** 48n - 1n)],
  },
  'set-voting-period': {
    usage: '<blocks>', help: 'blocks a vote stays open',
    target: 'governor', contract: GOVERNOR_CONTRACT, fn: 'setVotingPeriod',
    encode: ([b], action) => [integer(b, action, 'blocks', 1n, 2n ** 32n - 1n)],
  },
  'set-proposal-threshold': {
    usage: '<OPEN>', help: 'votes needed to propose',
    target: 'governor', contract: GOVERNOR_CONTRACT, fn: 'setProposalThreshold',
    encode: ([x], action) => [open(x, action, 'OPEN')],
  },
  'set-quorum': {
    usage: '<percent>', help: 'percent of the supply that must vote for or abstain',
    target: 'governor', contract: GOVERNOR_CONTRACT, fn: 'updateQuorumNumerator',
    encode: ([p], action) => [integer(p, action, 'percent', 0n, 100n)],
  },
  'set-timelock-delay': {
    usage: '<seconds>', help: 'minimum seconds between queueing and executing',
    target: 'timelock', contract: TIMELOCK_CONTRACT, fn: 'updateDelay',
    encode: ([s], action) => [integer(s, action, 'seconds', 0n, 2n ** 53n)],
  },
  'transfer-open': {
    usage: '<to> <OPEN>', help: 'pay OPEN held by the timelock (grants, the treasury it holds)',
    target: 'token', contract: 'OpenToken', fn: 'transfer',
    encode: ([to, x], action) => [address(to, action, 'to'), open(x, action, 'OPEN')],
  },
}

/** Names, usage and help of every action, for the CLI's help text. */
export const GOVERNANCE_ACTIONS: readonly { name: string; usage: string; help: string }[] = Object.freeze(
  Object.entries(SPECS).map(([name, s]) => ({ name, usage: s.usage, help: s.help })),
)

export type BuildGovernanceCallParameters = {
  action: string
  args: readonly string[]
  addresses: GovernanceAddresses
}

/** Turn a named action and its typed arguments into the call the timelock will make. */
export async function buildGovernanceCall({ action, args, addresses }: BuildGovernanceCallParameters): Promise<GovernanceCall> {
  const spec = SPECS[action]
  if (!spec) throw new GovernanceActionError({ action, argument: 'action', expected: `one of ${Object.keys(SPECS).join(', ')}`, got: action })
  const arity = spec.usage.split(' ').length
  if (args.length !== arity) throw new GovernanceActionError({ action, argument: 'arguments', expected: `${arity}: ${spec.usage}`, got: args.join(' ') })
  const target = addresses[spec.target]
  if (!target) throw new GovernanceActionError({ action, argument: 'target', expected: `a deployed ${spec.contract}`, got: 'none in the deployment' })
  const calldata = new Interface(await governanceAbi(spec.contract)).encodeFunctionData(spec.fn, spec.encode(args, action))
  return { target, valueWei: 0n, calldata, summary: [action, ...args].join(' ') }
}

function percentToBps(value: string | undefined, action: string, argument: string): number {
  if (value === undefined || !/^\d{1,3}(\.\d{1,2})?$/.test(value)) {
    throw new GovernanceActionError({ action, argument, expected: 'a percentage with at most 2 decimals', got: value })
  }
  const bps = Number(parseUnits(value, 2))
  if (bps > 10_000) throw new GovernanceActionError({ action, argument, expected: 'a percentage in [0, 100]', got: value })
  return bps
}

function integer(value: string | undefined, action: string, argument: string, min: bigint, max: bigint): bigint {
  if (value === undefined || !/^\d+$/.test(value) || BigInt(value) < min || BigInt(value) > max) {
    throw new GovernanceActionError({ action, argument, expected: `an integer in [${min}, ${max}]`, got: value })
  }
  return BigInt(value)
}

function open(value: string | undefined, action: string, argument: string): bigint {
  if (value === undefined || !/^\d+(\.\d{1,18})?$/.test(value)) {
    throw new GovernanceActionError({ action, argument, expected: 'an OPEN amount (decimal, up to 18 decimals)', got: value })
  }
  return parseUnits(value, 18)
}

function address(value: string | undefined, action: string, argument: string): string {
  return toChecksumAddress(value ?? '', `gov action ${action} ${argument}`)
}

/**
 * A circuit id is over the verification key (one per setup), so a circuit's artefact name no longer
 * names it: take the id as `poa ceremony export` wrote it (circuit_id.json) or a verifier reports it.
 */
function circuitId(value: string | undefined, action: string): string {
  if (value !== undefined && isHexString(value, 32)) return value.toLowerCase()
  throw new GovernanceActionError({
    action, argument: 'circuitId', got: value,
    expected: 'a 32-byte hex circuit id over the verification key (circuit_id.json of `poa ceremony export`, or the verifier\'s circuitId()); a circuit name does not identify a setup',
  })
}
