import { randomBytes } from 'node:crypto'
import { Contract, Interface, MaxUint256, Signature, type InterfaceAbi, type ContractRunner, type Signer, type TransactionReceipt } from 'ethers'
import { toChainError, type NamedInterface } from '../chain/chainErrors.ts'
import { settlementAbi } from './settlementDeploy.ts'
import { toChecksumAddress, toFr } from '../field/index.ts'
import { settlementId, unpackPayoutSlot } from '../witness/index.ts'
import { toSolidityCalldata, type ProofPackage } from '../proof/proofPackage.ts'
import type { SolidityCalldata } from '../proof/proofSystem.ts'
import { ProofPackageError } from '../proof/errors.ts'
import { PoaError } from '../errors/index.ts'

export type { SolidityCalldata }

/** A settlement circuit id: 0x and 64 hex digits (the id over a verification key). */
function checkCircuitId(circuitId: string, field: string): string {
  if (typeof circuitId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(circuitId)) throw new TypeError(`${field} expected 0x and 64 hex digits (a circuit id), got ${JSON.stringify(circuitId)}`)
  return circuitId
}

/**
 * A fresh inference id for `host`: its address, then 12 random bytes. The settlement records an id
 * only for the host it starts with, so nobody can take a host's id by recording it first.
 */
export function newInferenceId(host: string): string {
  return `${toChecksumAddress(host, 'host').toLowerCase()}${randomBytes(12).toString('hex')}`
}

/** An inference id the host cannot record: not 32 bytes, or not starting with the host's address. */
export class InferenceIdNotHostsError extends PoaError {
  constructor({ inferenceId, host }: { inferenceId: string; host: string }) {
    super('INFERENCE_ID_NOT_HOSTS', 'BAD_INPUT', `inference id ${inferenceId} must be 0x, the host's address ${host}, then 24 hex digits of the host's choosing`, { meta: { inferenceId, host } })
  }
}

/** Check before sending what the settlement would refuse (SettlementInferenceIdNotHosts). */
export function checkHostsInferenceId(inferenceId: string, host: string): void {
  if (typeof inferenceId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(inferenceId) || inferenceId.slice(2, 42).toLowerCase() !== host.slice(2).toLowerCase()) {
    throw new InferenceIdNotHostsError({ inferenceId: String(inferenceId), host })
  }
}

/** One decoded payout slot: `contributor + amountWei * 2^160`. */
export type Payout = { contributor: string; amountWei: bigint }

function decodePayout(slot: bigint): Payout {
  const { contributor, payout } = unpackPayoutSlot(slot)
  return { contributor, amountWei: payout }
}

const ERC20_ABI = [
  'function approve(address spender, uint256 amount) returns (bool)',
  'function nonces(address owner) view returns (uint256)',
  'function name() view returns (string)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
]

let abi: InterfaceAbi | undefined

async function interfaces(): Promise<NamedInterface[]> {
  return [
    { name: 'AttributionSettlement', iface: new Interface((abi ??= await settlementAbi())) },
    { name: 'IAttributionVerifier', iface: new Interface(['error AttributionVerifierInputCount(uint256 expected, uint256 got)', 'error AttributionVerifierProofLength(uint256 expected, uint256 got)']) },
    { name: 'OpenToken', iface: new Interface(ERC20_ABI) },
  ]
}

/** A handle on a deployed AttributionSettlement (its ABI from the compiled artifact). */
export async function settlementAt(address: string, runner: ContractRunner): Promise<Contract> {
  return new Contract(address, (abi ??= await settlementAbi()), runner)
}

async function send(action: string, tx: () => Promise<any>): Promise<TransactionReceipt> {
  try {
    const response = await tx()
    return (await response.wait()) as TransactionReceipt
  } catch (error) {
    throw toChainError(error, action, await interfaces())
  }
}

async function read<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw toChainError(error, action, await interfaces())
  }
}

export type RecordInferenceParameters = {
  settlement: string
  /** The model host paying the fee. */
  signer: Signer
  modelId: bigint
  /** 32-byte hex id. */
  inferenceId: string
  /**
   * The approved circuit whose proof will settle it (the id over its verification key: keys'
   * `circuitId`, a package's `circuit.id`). Stored with the inference, so a later verifier rotation
   * does not strand it.
   */
  circuitId: string
  queryCommitment: bigint
  feeWei: bigint
  /** How the fee is authorised: an `approve` transaction first, or an ERC-2612 permit signature. */
  authorization?: 'approve' | 'permit'
}

export type TxResult = { txHash: string; gasUsed: bigint; blockNumber: number }

/** Record an inference and escrow its fee. */
export async function recordInference(p: RecordInferenceParameters): Promise<TxResult> {
  toFr(p.queryCommitment, 'queryCommitment')
  checkCircuitId(p.circuitId, 'circuitId')
  checkHostsInferenceId(p.inferenceId, await p.signer.getAddress())
  const settlement = await settlementAt(p.settlement, p.signer)
  const [tokenAddress] = await read('read settlement token', () => settlement.dependencies())
  const token = new Contract(tokenAddress, ERC20_ABI, p.signer)
  const action = `recordInference ${p.inferenceId}`
  let receipt: TransactionReceipt
  if (p.authorization === 'permit') {
    const owner = await p.signer.getAddress()
    const { chainId } = await p.signer.provider!.getNetwork()
    const deadline = MaxUint256 // the signature is used at once; no wall-clock deadline to drift on a replayed chain
    const nonce: bigint = await read('read permit nonce', () => token.nonces(owner))
    const signature = Signature.from(
      await p.signer.signTypedData(
        { name: await token.name(), version: '1', chainId, verifyingContract: tokenAddress },
        { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
        { owner, spender: p.settlement, value: p.feeWei, nonce, deadline },
      ),
    )
    receipt = await send(action, () =>
      settlement.recordInferenceWithPermit(p.modelId, p.inferenceId, p.circuitId, p.queryCommitment, p.feeWei, deadline, signature.v, signature.r, signature.s),
    )
  } else {
    await send(`approve fee for ${p.inferenceId}`, () => token.approve(p.settlement, p.feeWei))
    receipt = await send(action, () => settlement.recordInference(p.modelId, p.inferenceId, p.circuitId, p.queryCommitment, p.feeWei))
  }
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
}

export type SettleInferenceParameters = {
  settlement: string
  signer: Signer
  inferenceId: string
  /** Circuit id of the proof (the keys' `circuitId`, a package's `circuit.id`); must be the one recorded. */
  circuitId: string
  calldata: SolidityCalldata
  /** Who gets the prover fee (default: the signer). */
  prover?: string
}

/**
 * What a settlement stands on besides its payout slots (the contract's SettlementTerms): who is paid
 * the prover fee and the bond back, the bond locked, the two public inputs a challenge needs, and the
 * treasury snapshotted at settlement.
 */
export type SettlementTerms = {
  prover: string
  bondWei: bigint
  threshold: bigint
  paidLeavesHash: bigint
  /** The treasury in force at settlement: the claim credits its fee there. */
  treasury: string
}

/** The challenge game of a settlement contract: window, bond and the challenger's share. */
export type ChallengeGame = { windowSeconds: number; bondWei: bigint; challengerBps: number }

export type SettleInferenceReturnType = TxResult & {
  /** Who may claim the prover fee. */
  prover: string
  /** The settlement's terms: claims and challenges pass them back. */
  terms: SettlementTerms
  /** When claims open (unix seconds): the challenge window closes then. */
  claimableAt: number
  /** OPEN moved from the sender's wallet into its settlement balance to fund the bond (0 when it had enough). */
  depositedWei: bigint
  payouts: Payout[]
  paidToContributorsWei: bigint
  proverFeeWei: bigint
  modelOwnerFeeWei: bigint
  treasuryFeeWei: bigint
  payoutSlots: bigint[]
  /** True when this proof had settled the inference already (a retried settle): nothing was sent. */
  alreadySettled?: boolean
}

/** The settlement's challenge game (window, bond, challenger's share). */
export async function readChallengeGame({ settlement, runner }: { settlement: string; runner: ContractRunner }): Promise<ChallengeGame> {
  const game = await read('read challenge game', async () => (await settlementAt(settlement, runner)).challengeGame())
  return { windowSeconds: Number(game.windowSeconds), bondWei: BigInt(game.bond), challengerBps: Number(game.challengerBps) }
}

/**
 * Move OPEN from the signer's wallet into its settlement balance (approve, then deposit): the
 * balance a settlement's bond is locked from.
 */
export async function depositToSettlement({ settlement, signer, amountWei }: { settlement: string; signer: Signer; amountWei: bigint }): Promise<TxResult> {
  const contract = await settlementAt(settlement, signer)
  const [tokenAddress] = await read('read settlement token', () => contract.dependencies())
  await send('approve the bond deposit', () => new Contract(tokenAddress, ERC20_ABI, signer).approve(settlement, amountWei))
  const receipt = await send('deposit into the settlement', () => contract.deposit(amountWei))
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
}

/**
 * Make the signer's settlement balance cover the challenge game's bond, depositing what is missing
 * from its wallet; returns the amount deposited (0 when the balance sufficed or there is no bond).
 */
export async function fundBond({ settlement, signer }: { settlement: string; signer: Signer }): Promise<bigint> {
  const { bondWei } = await readChallengeGame({ settlement, runner: signer })
  const balance = bondWei === 0n ? 0n : await rewardBalance({ settlement, runner: signer, account: await signer.getAddress() })
  const missing = balance < bondWei ? bondWei - balance : 0n
  if (missing > 0n) await depositToSettlement({ settlement, signer, amountWei: missing })
  return missing
}

/**
 * Submit a proof for a pending inference; returns the split the contract recorded. The settlement
 * locks the challenge game's bond from the sender's settlement balance: what is missing is first
 * deposited from its wallet.
 */
export async function settleInference(p: SettleInferenceParameters): Promise<SettleInferenceReturnType> {
  p.calldata.publicInputs.forEach((x, i) => {
    if (typeof x !== 'bigint') throw new TypeError(`publicInputs[${i}] expected bigint, got ${typeof x}`)
  })
  const settlement = await settlementAt(p.settlement, p.signer)
  checkCircuitId(p.circuitId, 'circuitId')
  const depositedWei = await fundBond({ settlement: p.settlement, signer: p.signer })
  const { proof, publicInputs } = p.calldata
  const receipt = await send(`settle ${p.inferenceId}`, () =>
    settlement.settle(p.inferenceId, p.circuitId, p.prover ?? '0x0000000000000000000000000000000000000000', proof, publicInputs),
  )
  const events = receipt.logs.map((log) => settlement.interface.parseLog(log))
  const settled = events.find((e) => e?.name === 'AttributionSettled')!
  const bonded = events.find((e) => e?.name === 'SettlementBonded')!
  return { ...settledSplit(settled.args, bonded.args, { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }), depositedWei }
}

/** The split an AttributionSettled event records and the terms of its SettlementBonded, with the transaction that emitted them. */
function settledSplit(args: any, bonded: any, tx: TxResult): Omit<SettleInferenceReturnType, 'depositedWei'> {
  const payoutSlots = (args.payoutSlots as bigint[]).map((x) => BigInt(x))
  return {
    ...tx,
    prover: args.prover as string,
    terms: { prover: args.prover as string, bondWei: BigInt(bonded.bond), threshold: BigInt(bonded.threshold), paidLeavesHash: BigInt(bonded.paidLeavesHash), treasury: bonded.treasury as string },
    claimableAt: Number(bonded.claimableAt),
    payoutSlots,
    payouts: payoutSlots.filter((s) => s !== 0n).map(decodePayout),
    paidToContributorsWei: args.paidToContributors,
    proverFeeWei: args.proverFee,
    modelOwnerFeeWei: args.modelOwnerFee,
    treasuryFeeWei: args.treasuryFee,
  }
}

/** The inference was settled by another proof (another prover or other payouts): this one cannot settle it. */
export class InferenceAlreadySettledError extends PoaError {
  constructor({ inferenceId, prover, txHash, blockNumber }: { inferenceId: string; prover: string; txHash: string; blockNumber: number }) {
    super('INFERENCE_ALREADY_SETTLED', 'BAD_INPUT', `inference ${inferenceId} was settled by another proof: prover ${prover}, tx ${txHash} (block ${blockNumber})`, {
      meta: { inferenceId, prover, txHash, blockNumber },
    })
  }
}

export type SettleProofPackageParameters = {
  settlement: string
  signer: Signer
  /** A proof package as `poa prove` writes it (checked and converted by toSolidityCalldata). */
  pkg: ProofPackage
  /** Default: the package's commitments.inferenceId. */
  inferenceId?: string
  /** Who gets the prover fee. Default: the package's commitments.prover, else the signer. */
  prover?: string
}

/**
 * Settle with a proof package: its circuit id picks the verifier, its signals become the public
 * inputs. The package's settlementId must bind the fee recipient; that is checked here, before any
 * transaction, so a package made for another prover (or inference, contract, chain) fails with the
 * recipient named instead of a SettlementInputMismatch(0) revert.
 */
export async function settleProofPackage({ settlement, signer, pkg, inferenceId, prover }: SettleProofPackageParameters): Promise<SettleInferenceReturnType> {
  const calldata = toSolidityCalldata(pkg)
  const id = inferenceId ?? pkg.commitments?.inferenceId
  if (id === undefined) throw new ProofPackageError({ field: 'commitments.inferenceId', expected: 'the inference id (or pass one explicitly)', got: undefined })
  const recipient = prover !== undefined ? toChecksumAddress(prover, 'prover')
    : pkg.commitments?.prover !== undefined ? toChecksumAddress(pkg.commitments.prover, 'commitments.prover')
    : await signer.getAddress()
  const { chainId } = await read('read chain id', () => signer.provider!.getNetwork())
  const expected = settlementId({ chainId, settlementAddress: settlement, inferenceId: id, prover: recipient })
  if (calldata.publicInputs[0] !== expected) {
    throw new ProofPackageError({
      field: 'publicInputs.settlementId',
      expected: `${expected}, the id of inference ${id} at ${settlement} on chain ${chainId} for prover ${recipient} (prove again for that prover, or name the prover the package was made for)`,
      got: calldata.publicInputs[0],
    })
  }
  // Settling again after a crash (the transaction landed, its answer was lost) finds the earlier
  // settlement of this very proof and returns it: a retried `poa settle` is safe.
  const earlier = await currentSettlement({ settlement, runner: signer, inferenceId: id })
  if (earlier) {
    const slots = earlier.payoutSlots
    const proven = calldata.publicInputs.slice(calldata.publicInputs.length - slots.length)
    const same = earlier.prover === recipient && slots.length > 0 && slots.every((s, i) => s === proven[i])
    if (!same) throw new InferenceAlreadySettledError({ inferenceId: id, prover: earlier.prover, txHash: earlier.txHash, blockNumber: earlier.blockNumber })
    return { ...earlier, depositedWei: 0n, alreadySettled: true }
  }
  return settleInference({ settlement, signer, inferenceId: id, circuitId: pkg.circuit.id, calldata, prover: recipient })
}

/**
 * The settlement that stands for an inference, from its events: the latest AttributionSettled and
 * SettlementBonded, unless a SettlementChallenged cancelled it since (the inference is then pending
 * again); undefined when none stands.
 */
export async function currentSettlement({ settlement, runner, inferenceId }: { settlement: string; runner: ContractRunner; inferenceId: string }): Promise<Omit<SettleInferenceReturnType, 'depositedWei'> | undefined> {
  const contract = await settlementAt(settlement, runner)
  const [settled, bonded, challenged] = await Promise.all(['AttributionSettled', 'SettlementBonded', 'SettlementChallenged'].map((name) =>
    read(`query ${name}`, () => contract.queryFilter(contract.filters[name](inferenceId))) as Promise<any[]>))
  if (settled.length === 0 || challenged.length >= settled.length) return undefined
  const last = settled[settled.length - 1]
  const receipt = await read('read the settlement receipt', () => runner.provider!.getTransactionReceipt(last.transactionHash))
  return settledSplit(last.args, bonded[bonded.length - 1].args, { txHash: last.transactionHash, gasUsed: receipt?.gasUsed ?? 0n, blockNumber: last.blockNumber })
}

/** Claims wait for the settlement's challenge window to pass. */
export class ChallengeWindowOpenError extends PoaError {
  constructor({ inferenceId, claimableAt, now }: { inferenceId: string; claimableAt: number; now: number }) {
    super('CHALLENGE_WINDOW_OPEN', 'BAD_INPUT', `inference ${inferenceId}: claims open at ${new Date(claimableAt * 1000).toISOString()} (in ${claimableAt - now} s), when its challenge window closes`, {
      meta: { inferenceId, claimableAt, now },
    })
  }
}

/**
 * Credit every unclaimed payout, the prover/model-owner/treasury fees and the bond (back to the
 * prover) of a settled inference once its challenge window has passed (anyone may send it; the
 * credits go to their owners, who then `withdraw`).
 */
export async function claimRewards({ settlement, signer, inferenceId }: { settlement: string; signer: Signer; inferenceId: string }): Promise<TxResult> {
  const settled = await currentSettlement({ settlement, runner: signer, inferenceId })
  const contract = await settlementAt(settlement, signer)
  if (settled) {
    const now = (await read('read the latest block', () => signer.provider!.getBlock('latest')))!.timestamp
    if (now + 1 < settled.claimableAt) throw new ChallengeWindowOpenError({ inferenceId, claimableAt: settled.claimableAt, now })
  }
  // An unsettled inference has no event: send anyway so the contract names the reason (SettlementNotSettled).
  const terms = settled ? termsTuple(settled.terms) : [ZERO_ADDRESS, 0n, 0n, 0n, ZERO_ADDRESS]
  const receipt = await send(`claim rewards of ${inferenceId}`, () => contract.claimAll(inferenceId, terms, settled?.payoutSlots ?? []))
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
}

/** AttributionSettlement's `Status` of an inference, as `inference(id).status` returns it. */
export const INFERENCE_STATUS = { None: 0, Pending: 1, Settled: 2, Refunded: 3 } as const

/** An unsettled inference's refund timeout has not passed: a prover may still settle it. */
export class RefundTooEarlyError extends PoaError {
  constructor({ inferenceId, refundableAt, now }: { inferenceId: string; refundableAt: number; now: number }) {
    super('REFUND_TOO_EARLY', 'BAD_INPUT', `inference ${inferenceId}: its fee can be refunded from ${new Date(refundableAt * 1000).toISOString()} (in ${refundableAt - now} s); until then a prover may still settle it`, {
      meta: { inferenceId, refundableAt, now },
    })
  }
}

/**
 * Return an unsettled inference's fee to its host once its refund timeout has passed (anyone may
 * send it; the fee goes to the host): the way out for an inference no prover settles.
 */
export async function refundInference({ settlement, signer, inferenceId }: { settlement: string; signer: Signer; inferenceId: string }): Promise<TxResult & { host: string; feeWei: bigint }> {
  const contract = await settlementAt(settlement, signer)
  const inf = await read('read inference', () => contract.inference(inferenceId))
  if (Number(inf.status) === INFERENCE_STATUS.Pending) {
    const now = (await read('read the latest block', () => signer.provider!.getBlock('latest')))!.timestamp
    if (now + 1 < Number(inf.refundableAt)) throw new RefundTooEarlyError({ inferenceId, refundableAt: Number(inf.refundableAt), now })
  }
  // Unknown, settled or refunded: send anyway so the contract names the reason.
  const receipt = await send(`refund ${inferenceId}`, () => contract.refund(inferenceId))
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, host: inf.host as string, feeWei: BigInt(inf.fee) }
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** SettlementTerms as the contract's tuple (prover, bond, threshold, paidLeavesHash, treasury). */
export function termsTuple(t: SettlementTerms): [string, bigint, bigint, bigint, string] {
  return [t.prover, t.bondWei, t.threshold, t.paidLeavesHash, t.treasury]
}

export type ChallengeSettlementParameters = {
  settlement: string
  /** The challenger: it sends the challenge, the proof must carry its challengeId, and it is paid its share of the bond. */
  signer: Signer
  inferenceId: string
  /** The challenge proof (public inputs [challengeId, datanetRoot, indexRoot, queryCommitment, threshold, paidLeavesHash]). */
  calldata: SolidityCalldata
}

/** Cancel a settlement that left out a record scoring above its threshold; returns the challenger's share of the bond. */
export async function challengeSettlement(p: ChallengeSettlementParameters): Promise<TxResult & { toChallengerWei: bigint; toTreasuryWei: bigint; prover: string }> {
  const settled = await currentSettlement({ settlement: p.settlement, runner: p.signer, inferenceId: p.inferenceId })
  if (!settled) throw new PoaError('NOTHING_TO_CHALLENGE', 'BAD_INPUT', `inference ${p.inferenceId} has no standing settlement to challenge`, { meta: { inferenceId: p.inferenceId } })
  const contract = await settlementAt(p.settlement, p.signer)
  const receipt = await send(`challenge the settlement of ${p.inferenceId}`, () =>
    contract.challenge(p.inferenceId, termsTuple(settled.terms), settled.payoutSlots, p.calldata.proof, p.calldata.publicInputs))
  const event = receipt.logs.map((log) => contract.interface.parseLog(log)).find((e) => e?.name === 'SettlementChallenged')!
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, toChallengerWei: event.args.toChallenger, toTreasuryWei: event.args.toTreasury, prover: event.args.prover }
}

/** Withdraw `amountWei` (default: the whole balance) of the signer's credited OPEN. */
export async function withdrawRewards({ settlement, signer, amountWei }: { settlement: string; signer: Signer; amountWei?: bigint }): Promise<TxResult & { amountWei: bigint }> {
  const contract = await settlementAt(settlement, signer)
  const amount = amountWei ?? (await rewardBalance({ settlement, runner: signer, account: await signer.getAddress() }))
  const receipt = await send('withdraw rewards', () => contract.withdraw(amount))
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, amountWei: amount }
}

/** An account's withdrawable OPEN in the settlement, in wei. */
export async function rewardBalance({ settlement, runner, account }: { settlement: string; runner: ContractRunner; account: string }): Promise<bigint> {
  return read('read reward balance', async () => (await settlementAt(settlement, runner)).balanceOf(account))
}
