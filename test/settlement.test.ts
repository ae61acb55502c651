import { beforeAll, describe, expect, it } from 'vitest'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { Interface, type Signer } from 'ethers'
import { ChainRevertError, toChainError } from '../prover/chain/chainErrors.ts'
import { deploySettlement, DEFAULT_SHARES, settlementAbi, NO_CHALLENGE_GAME } from '../prover/clients/settlementDeploy.ts'
import { claimRewards, recordInference, rewardBalance, settleInference, settlementAt, termsTuple, withdrawRewards, type SolidityCalldata } from '../prover/clients/settlementClient.ts'
import {
  CIRCUIT_NAME, attributionInput, buildDatanet, buildQuery, deployRegistries, newInferenceId, prepareTinyCircuit, proveCase,
  registerDatanetAndModel, rng, settlementIdOf, type CircuitArtifacts, type DatanetFixture, type Query, type Stack,
} from './settlementFixture.ts'

const SEED = Number(process.env.POA_TEST_SEED ?? 20261127)
const FEE = 100n * 10n ** 18n
const POOL = (FEE * BigInt(DEFAULT_SHARES.contributorsBps)) / 10_000n

let artifacts: CircuitArtifacts
let hre: any
let stack: Stack
let settlement: string
let host: Signer, modelOwner: Signer, prover: Signer, treasury: Signer
/** The account `settle` sends from (prover = 0): every proof here is made for it. */
let proverAddress: string
let contributors: Signer[]
let data: DatanetFixture
let query: Query
let modelId: bigint
let chainId: bigint
let abi: any

/** Expect `promise` to fail with the settlement's custom error `name` (decoded into a ChainRevertError). */
async function expectRevert(promise: Promise<unknown>, name: string): Promise<ChainRevertError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  if (!(error instanceof ChainRevertError)) throw new Error(`expected ${name}, got ${String(error)}`)
  expect(error.errorName).toBe(name)
  expect(error.kind).toBe('CHAIN')
  return error
}

async function record(inferenceId: string, authorization: 'approve' | 'permit' = 'approve') {
  return recordInference({ settlement, signer: host, modelId, inferenceId, circuitId: artifacts.keys.circuitId, queryCommitment: query.commitment, feeWei: FEE, authorization })
}

/** Record a fresh inference and prove it over `over` (default: the registered datanet). */
async function recordAndProve(over: DatanetFixture = data): Promise<{ inferenceId: string; calldata: SolidityCalldata; payouts: { contributor: string; amountWei: bigint }[] }> {
  const inferenceId = newInferenceId()
  await record(inferenceId)
  const c = attributionInput({ data: over, query, pool: POOL, settlementId: settlementIdOf({ chainId, settlement, inferenceId, prover: proverAddress }) })
  return { inferenceId, calldata: await proveCase(c, artifacts), payouts: c.payouts }
}

const settle = (inferenceId: string, calldata: SolidityCalldata) =>
  settleInference({ settlement, signer: prover, inferenceId, circuitId: artifacts.keys.circuitId, calldata })

/** The Groth16 proof bytes as their 8 words (A.x, A.y, B (4 words), C.x, C.y) and back. */
const words = (proof: string): bigint[] => Array.from({ length: (proof.length - 2) / 64 }, (_, i) => BigInt(`0x${proof.slice(2 + 64 * i, 66 + 64 * i)}`))
const fromWords = (w: bigint[]): `0x${string}` => `0x${w.map((x) => x.toString(16).padStart(64, '0')).join('')}`

beforeAll(async () => {
  const prepared = await prepareTinyCircuit((line) => process.stderr.write(`${line}\n`))
  artifacts = prepared
  hre = prepared.hre
  stack = await deployRegistries(hre)
  ;[, host, modelOwner, prover, treasury] = stack.signers
  proverAddress = await prover.getAddress()
  contributors = stack.signers.slice(5, 9)
  chainId = (await hre.ethers.provider.getNetwork()).chainId
  const deployed = await deploySettlement({
    signer: stack.deployer, token: await stack.token.getAddress(), datanetRegistry: await stack.datanets.getAddress(),
    modelRegistry: await stack.models.getAddress(), treasury: await treasury.getAddress(), circuits: [CIRCUIT_NAME], game: NO_CHALLENGE_GAME,
  })
  settlement = deployed.settlement
  abi = await settlementAbi()
  await (await stack.token.transfer(await host.getAddress(), 100n * FEE)).wait()
  const random = rng(SEED)
  data = await buildDatanet({ contributors: await Promise.all(contributors.map((s) => s.getAddress())), n: 12, random })
  query = await buildQuery(random)
  modelId = await registerDatanetAndModel(stack, data, modelOwner)
}, 1_200_000)

describe(`AttributionSettlement on a real tiny proof (seed ${SEED})`, () => {
  it('settles a proof, credits exactly the proven payouts and lets contributors withdraw them', async () => {
    const { inferenceId, calldata, payouts } = await recordAndProve()
    expect(payouts.length).toBeGreaterThan(0)
    const before = await Promise.all([prover, modelOwner, treasury].map(async (s) => rewardBalance({ settlement, runner: s, account: await s.getAddress() })))
    const result = await settle(inferenceId, calldata)
    // Settlement credits nothing by itself (gas design); claimAll credits payouts and fees.
    const unchanged = await Promise.all([prover, modelOwner, treasury].map(async (s) => rewardBalance({ settlement, runner: s, account: await s.getAddress() })))
    expect(unchanged).toEqual(before)
    expect(result.payouts).toEqual(payouts)
    const paid = payouts.reduce((s, p) => s + p.amountWei, 0n)
    const proverFee = (FEE * BigInt(DEFAULT_SHARES.proverBps)) / 10_000n
    const ownerFee = (FEE * BigInt(DEFAULT_SHARES.modelOwnerBps)) / 10_000n
    expect(result.paidToContributorsWei).toBe(paid)
    expect(result.treasuryFeeWei).toBe(FEE - paid - proverFee - ownerFee)

    // Claiming credits contributors exactly their proven amounts (summed per address), and the fees.
    const owed = new Map<string, bigint>()
    for (const p of payouts) owed.set(p.contributor, (owed.get(p.contributor) ?? 0n) + p.amountWei)
    const balancesBefore = new Map<string, bigint>()
    for (const a of owed.keys()) balancesBefore.set(a, await rewardBalance({ settlement, runner: prover, account: a }))
    await claimRewards({ settlement, signer: prover, inferenceId })
    for (const [a, amount] of owed) expect(await rewardBalance({ settlement, runner: prover, account: a })).toBe(balancesBefore.get(a)! + amount)
    const after = await Promise.all([prover, modelOwner, treasury].map(async (s) => rewardBalance({ settlement, runner: s, account: await s.getAddress() })))
    expect(after.map((x, i) => x - before[i])).toEqual([proverFee, ownerFee, FEE - paid - proverFee - ownerFee])
    // A second claimAll credits nothing more.
    await claimRewards({ settlement, signer: prover, inferenceId })
    const again = await Promise.all([prover, modelOwner, treasury].map(async (s) => rewardBalance({ settlement, runner: s, account: await s.getAddress() })))
    expect(again).toEqual(after)

    const [first] = [...owed.keys()]
    const who = await Promise.all(contributors.map((s) => s.getAddress()))
    const contributor = contributors[who.indexOf(first)]
    const tokenBefore: bigint = await stack.token.balanceOf(first)
    const credited = await rewardBalance({ settlement, runner: contributor, account: first })
    const w = await withdrawRewards({ settlement, signer: contributor })
    expect(w.amountWei).toBe(credited)
    expect(await stack.token.balanceOf(first)).toBe(tokenBefore + credited)
    expect(await rewardBalance({ settlement, runner: contributor, account: first })).toBe(0n)
  })

  it('records an inference with an ERC-2612 permit instead of an approval', async () => {
    const inferenceId = newInferenceId()
    await stack.token.connect(host).approve(settlement, 0n)
    await record(inferenceId, 'permit')
    const inf = await (await settlementAt(settlement, host)).inference(inferenceId)
    expect(inf.status).toBe(1n)
    expect(inf.fee).toBe(FEE)
    expect(inf.pool).toBe(POOL)
    expect(inf.circuitId).toBe(artifacts.keys.circuitId) // stored: a later verifier rotation cannot strand it
  })

  it('rejects a tampered proof', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    const w = words(calldata.proof)
    expect(w).toHaveLength(8)
    const tampered = { ...calldata, proof: fromWords([...w.slice(0, 7), (w[7] + 1n) % FIELD_MODULUS]) }
    await expectRevert(settle(inferenceId, tampered), 'SettlementProofInvalid')
    const swapped = { ...calldata, proof: fromWords([...w.slice(6, 8), ...w.slice(2, 6), ...w.slice(0, 2)]) }
    await expectRevert(settle(inferenceId, swapped), 'SettlementProofInvalid')
    const short = { ...calldata, proof: fromWords(w.slice(0, 7)) }
    const error = await expectRevert(settle(inferenceId, short), 'AttributionVerifierProofLength')
    expect(error.args).toMatchObject({ expected: 256n, got: 224n })
    await settle(inferenceId, calldata) // the honest proof still settles
  })

  it('rejects a proof made for another inference', async () => {
    const first = await recordAndProve()
    const second = newInferenceId()
    await record(second)
    const error = await expectRevert(settle(second, first.calldata), 'SettlementInputMismatch')
    expect(error.args.index).toBe(0n)
    expect(error.args.expected).toBe(settlementIdOf({ chainId, settlement, inferenceId: second, prover: proverAddress }))
    // Swapping in the right settlementId breaks the proof instead.
    const relabelled = { ...first.calldata, publicInputs: [settlementIdOf({ chainId, settlement, inferenceId: second, prover: proverAddress }), ...first.calldata.publicInputs.slice(1)] }
    await expectRevert(settle(second, relabelled), 'SettlementProofInvalid')
  })

  it('pays the prover fee only to the prover a proof was made for, whoever sends it', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    const frontRunner = stack.signers[9]
    const frontRunnerAddress = await frontRunner.getAddress()
    // Copied from the mempool with the fee redirected, explicitly or by prover = 0 from its own account.
    for (const redirect of [frontRunnerAddress, undefined]) {
      const error = await expectRevert(settleInference({ settlement, signer: frontRunner, inferenceId, circuitId: artifacts.keys.circuitId, calldata, prover: redirect }), 'SettlementInputMismatch')
      expect(error.args).toMatchObject({
        index: 0n, expected: settlementIdOf({ chainId, settlement, inferenceId, prover: frontRunnerAddress }), got: calldata.publicInputs[0],
      })
    }
    // Sending the prover's exact transaction (prover = A) settles it, and A alone gets the fee.
    const contract = await settlementAt(settlement, frontRunner)
    const before = await Promise.all([proverAddress, frontRunnerAddress].map((account) => rewardBalance({ settlement, runner: frontRunner, account })))
    const settled = await settleInference({ settlement, signer: frontRunner, inferenceId, circuitId: artifacts.keys.circuitId, calldata, prover: proverAddress })
    expect(settled.prover).toBe(proverAddress)
    await (await contract.claimAll(inferenceId, termsTuple(settled.terms), settled.payoutSlots)).wait()
    const after = await Promise.all([proverAddress, frontRunnerAddress].map((account) => rewardBalance({ settlement, runner: frontRunner, account })))
    expect(after[0] - before[0]).toBe((FEE * BigInt(DEFAULT_SHARES.proverBps)) / 10_000n)
    expect(after[1]).toBe(before[1])
  })

  it('rejects a public input that is not below r', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    const last = calldata.publicInputs.length - 1
    const wrapped = calldata.publicInputs.map((x, i) => (i === last ? x + FIELD_MODULUS : x))
    const error = await expectRevert(settle(inferenceId, { ...calldata, publicInputs: wrapped }), 'SettlementInputOutOfRange')
    expect(error.args).toMatchObject({ index: BigInt(last), value: calldata.publicInputs[last] + FIELD_MODULUS })
  })

  it('rejects a proof over a datanet root or an index root the model did not register', async () => {
    const random = rng(SEED + 1)
    const other = await buildDatanet({ contributors: await Promise.all(contributors.map((s) => s.getAddress())), n: 12, random })
    const forged = await recordAndProve(other)
    const e1 = await expectRevert(settle(forged.inferenceId, forged.calldata), 'SettlementInputMismatch')
    expect(e1.args).toMatchObject({ index: 1n, expected: data.datanetTree.root, got: other.datanetTree.root })
    // Same records, other features: the datanet root matches, the index root does not.
    const sameRecords: DatanetFixture = { ...data, indexTree: other.indexTree }
    const c = attributionInput({ data: sameRecords, query, pool: POOL, settlementId: settlementIdOf({ chainId, settlement, inferenceId: forged.inferenceId, prover: proverAddress }) })
    const e2 = await expectRevert(settle(forged.inferenceId, { ...forged.calldata, publicInputs: c.publicInputs }), 'SettlementInputMismatch')
    expect(e2.args).toMatchObject({ index: 2n, expected: data.indexTree.root, got: other.indexTree.root })
  })

  it('rejects a replay of a settled inference', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    await settle(inferenceId, calldata)
    const error = await expectRevert(settle(inferenceId, calldata), 'SettlementNotPending')
    expect(error.args.status).toBe(2n)
  })

  it('rejects settling an unknown inference', async () => {
    const { calldata } = await recordAndProve()
    await expectRevert(settle(newInferenceId(), calldata), 'SettlementInferenceUnknown')
  })

  it('refunds the host only after the timeout, and then rejects settlement', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    const contract = await settlementAt(settlement, host)
    const early = await expectRevert(contract.refund(inferenceId).catch((e: unknown) => { throw wrap(e) }), 'SettlementRefundTooEarly')
    expect(early.args.inferenceId).toBe(inferenceId)
    await hre.network.provider.send('evm_increaseTime', [86_400])
    const hostBefore: bigint = await stack.token.balanceOf(await host.getAddress())
    await (await contract.refund(inferenceId)).wait()
    expect(await stack.token.balanceOf(await host.getAddress())).toBe(hostBefore + FEE)
    const error = await expectRevert(settle(inferenceId, calldata), 'SettlementNotPending')
    expect(error.args.status).toBe(3n)
  })

  it('records an id only for the host it starts with (no squatting), and keeps the refund time recorded when the timeout is lowered', async () => {
    // Another account cannot take the host's next id: the client refuses before sending, the contract too.
    const hostsId = newInferenceId(await host.getAddress())
    const squatter = contributors[0]
    await (await stack.token.transfer(await squatter.getAddress(), FEE)).wait()
    await expect(recordInference({ settlement, signer: squatter, modelId, inferenceId: hostsId, circuitId: artifacts.keys.circuitId, queryCommitment: query.commitment, feeWei: FEE }))
      .rejects.toThrow(/inference id 0x[0-9a-f]{64} must be 0x, the host's address 0x[0-9a-fA-F]{40}, then 24 hex digits/)
    const raw = await settlementAt(settlement, squatter)
    await (await stack.token.connect(squatter).approve(settlement, FEE)).wait()
    const squat = await expectRevert(raw.recordInference(modelId, hostsId, artifacts.keys.circuitId, query.commitment, FEE).catch((e: unknown) => { throw wrap(e) }), 'SettlementInferenceIdNotHosts')
    expect(squat.args).toMatchObject({ inferenceId: hostsId, host: await squatter.getAddress() })
    await record(hostsId) // still free for its host

    // Lowering the timeout applies to inferences recorded from now on: a prover mid-proof keeps its time.
    const owner = await settlementAt(settlement, stack.deployer)
    const recorded = await raw.inference(hostsId)
    expect(recorded.refundableAt).toBe(recorded.recordedAt + (await owner.refundTimeout()))
    await (await owner.setRefundTimeout(1n)).wait()
    try {
      await hre.network.provider.send('evm_increaseTime', [60])
      await expectRevert(raw.refund(hostsId).catch((e: unknown) => { throw wrap(e) }), 'SettlementRefundTooEarly')
    } finally {
      await (await owner.setRefundTimeout(86_400n)).wait()
    }
  })

  it('rejects a withdrawal of more than the balance', async () => {
    const account = await contributors[3].getAddress()
    const balance = await rewardBalance({ settlement, runner: prover, account })
    const error = await expectRevert(withdrawRewards({ settlement, signer: contributors[3], amountWei: balance + 1n }), 'SettlementInsufficientBalance')
    expect(error.args).toMatchObject({ account, balance, needed: balance + 1n })
  })

  it('rejects a second claim of the same slot, claims with other slots or prover, and claims of unsettled inferences', async () => {
    const { inferenceId, calldata, payouts } = await recordAndProve()
    const settled = await settle(inferenceId, calldata)
    const contract = await settlementAt(settlement, prover)
    const index = settled.payoutSlots.findIndex((s) => s !== 0n)
    await (await contract.claim(inferenceId, termsTuple(settled.terms), settled.payoutSlots, index)).wait()
    await expectRevert(contract.claim(inferenceId, termsTuple(settled.terms), settled.payoutSlots, index).catch((e: unknown) => { throw wrap(e) }), 'SettlementAlreadyClaimed')
    const inflated = settled.payoutSlots.map((s, i) => (i === index ? s + (1n << 160n) : s))
    await expectRevert(contract.claimAll(inferenceId, termsTuple(settled.terms), inflated).catch((e: unknown) => { throw wrap(e) }), 'SettlementPayoutsMismatch')
    // Naming oneself as the prover does not match the settled hash either.
    await expectRevert(contract.claimAll(inferenceId, termsTuple({ ...settled.terms, prover: await host.getAddress() }), settled.payoutSlots).catch((e: unknown) => { throw wrap(e) }), 'SettlementPayoutsMismatch')
    await expectRevert(claimRewards({ settlement, signer: prover, inferenceId: newInferenceId() }), 'SettlementNotSettled')
    expect(payouts.length).toBeGreaterThan(0)
  })

  it('keeps the shares snapshotted at recording when governance changes them before settlement', async () => {
    const { inferenceId, calldata, payouts } = await recordAndProve()
    const owner = await settlementAt(settlement, stack.deployer)
    await (await owner.setShares([6000, 2000, 1000, 1000])).wait()
    try {
      const result = await settle(inferenceId, calldata) // the proof carries the pool recorded at 70%
      expect(result.proverFeeWei).toBe((FEE * BigInt(DEFAULT_SHARES.proverBps)) / 10_000n)
      expect(result.paidToContributorsWei).toBe(payouts.reduce((sum, p) => sum + p.amountWei, 0n))
    } finally {
      await (await owner.setShares([DEFAULT_SHARES.contributorsBps, DEFAULT_SHARES.proverBps, DEFAULT_SHARES.modelOwnerBps, DEFAULT_SHARES.treasuryBps])).wait()
    }
  })

  it('credits the treasury fee to the treasury in force at settlement when governance moves the treasury before the claim', async () => {
    const { inferenceId, calldata } = await recordAndProve()
    const settled = await settle(inferenceId, calldata)
    const old = await treasury.getAddress()
    expect(settled.terms.treasury).toBe(old)
    const owner = await settlementAt(settlement, stack.deployer)
    const moved = await host.getAddress()
    await (await owner.setTreasury(moved)).wait()
    try {
      const contract = await settlementAt(settlement, prover)
      // Terms naming the new treasury do not open the settlement.
      await expectRevert(contract.claimAll(inferenceId, termsTuple({ ...settled.terms, treasury: moved }), settled.payoutSlots).catch((e: unknown) => { throw wrap(e) }), 'SettlementPayoutsMismatch')
      const [oldBefore, movedBefore] = await Promise.all([old, moved].map((account) => rewardBalance({ settlement, runner: prover, account })))
      await claimRewards({ settlement, signer: prover, inferenceId })
      expect(await rewardBalance({ settlement, runner: prover, account: old })).toBe(oldBefore + settled.treasuryFeeWei)
      expect(await rewardBalance({ settlement, runner: prover, account: moved })).toBe(movedBefore)
    } finally {
      await (await owner.setTreasury(old)).wait()
    }
  })

  it('rejects an unapproved circuit at record time, a proof for another circuit than the recorded one, a wrong number of public inputs, and a verifier set by a non-owner', async () => {
    const unknown = `0x${'99'.repeat(32)}`
    const unrecorded = newInferenceId()
    const refused = await expectRevert(recordInference({ settlement, signer: host, modelId, inferenceId: unrecorded, circuitId: unknown, queryCommitment: query.commitment, feeWei: FEE }), 'SettlementCircuitUnknown')
    expect(refused.args).toMatchObject({ circuitId: unknown })
    const { inferenceId, calldata } = await recordAndProve()
    const mismatch = await expectRevert(settleInference({ settlement, signer: prover, inferenceId, circuitId: unknown, calldata }), 'SettlementCircuitMismatch')
    expect(mismatch.args).toMatchObject({ inferenceId, recorded: artifacts.keys.circuitId, given: unknown })
    const short = { ...calldata, publicInputs: calldata.publicInputs.slice(0, -1) }
    const error = await expectRevert(settle(inferenceId, short), 'SettlementInputCount')
    expect(error.args).toMatchObject({ expected: BigInt(calldata.publicInputs.length), got: BigInt(calldata.publicInputs.length - 1) })
    const [verifier] = await (await settlementAt(settlement, host)).verifierOf(artifacts.keys.circuitId)
    await expectRevert((await settlementAt(settlement, host)).setVerifier(artifacts.keys.circuitId, verifier).catch((e: unknown) => { throw wrap(e) }), 'OwnableUnauthorizedAccount')
  })

  it('approves a verifier only under the circuit id it reports (the id over its verification key)', async () => {
    const owner = await settlementAt(settlement, stack.deployer)
    const [verifier] = await owner.verifierOf(artifacts.keys.circuitId)
    const other = `0x${'ab'.repeat(32)}`
    const error = await expectRevert(owner.setVerifier(other, verifier).catch((e: unknown) => { throw wrap(e) }), 'SettlementVerifierCircuitMismatch')
    expect(error.args).toMatchObject({ verifier, circuitId: other, verifierCircuitId: artifacts.keys.circuitId })
    expect((await owner.verifierOf(other))[0]).toBe('0x0000000000000000000000000000000000000000')
  })

  it('lets only the owner change the shares, and only to a split of 10,000 bps', async () => {
    const contract = await settlementAt(settlement, stack.deployer)
    await expectRevert(contract.setShares([5000, 1000, 1000, 1000]).catch((e: unknown) => { throw wrap(e) }), 'SettlementSharesInvalid')
    await expectRevert((await settlementAt(settlement, host)).setShares([7000, 1000, 1500, 500]).catch((e: unknown) => { throw wrap(e) }), 'OwnableUnauthorizedAccount')
  })
})

/** Decode a revert of a direct contract call the way the client does. */
function wrap(error: unknown) {
  return toChainError(error, 'direct call', [{ name: 'AttributionSettlement', iface: new Interface(abi) }])
}
