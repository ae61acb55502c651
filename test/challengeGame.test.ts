// Issue 16: the choice of paid records is enforced on-chain. A dishonest prover's valid proof (paying
// records ranked 2..K+1, or no record at all) settles, locking its bond; a validator (`poa challenge`,
// its own process and key) proves within the window that a left-out record scores above the
// settlement's threshold, cancels it and takes its share of the bond; the honest proof then settles,
// survives the validator's check, and pays after the window what the data says. Claims before the
// window and challenges after it are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseUnits, type JsonRpcProvider } from 'ethers'
import { ChainRevertError } from '../prover/chain/chainErrors.ts'
import { challengeSettlement, claimRewards, currentSettlement, rewardBalance, settlementAt } from '../prover/clients/settlementClient.ts'
import { indexFeatures } from '../prover/index/index.ts'
import { queryModel } from '../prover/influence/index.ts'
import { computeScores } from '../prover/witness/index.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { createWorld, KEYS, MODEL, PARAMS, proveAndSettle, recordQuery, type World } from './auditFixture.ts'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { challengeRecordedInference, type ChallengeFound } from '../prover/node/challengeRecordedInference.ts'
import { ensureCircuitKeys } from '../prover/app/ensureCircuitKeys.ts'
import { loadServedInference } from '../prover/app/servedInference.ts'
import { cpSync, rmSync } from 'node:fs'
import { startQueryServer } from '../prover/node/queryShare.ts'

const WINDOW = 3_600
const BOND = parseUnits('10', 18)
let world: World

beforeAll(async () => {
  world = await createWorld({ home: join(mkdtempSync(join(tmpdir(), 'poa-game-')), 'home'), game: { windowSeconds: WINDOW, bondWei: BOND, challengerBps: 5_000 } })
  // The prover (#2) holds OPEN for its bonds; the validator (#4) none: it is paid from the bond.
  await (await world.chain.contracts.openToken.getFunction('transfer')(world.chain.getSigner(KEYS[2]).getAddress(), parseUnits('100', 18))).wait()
}, 1_200_000)

afterAll(async () => {
  await world?.close()
  await releaseCurve()
})

/** Every record's score against `text`, best first (ties: the lower position). */
async function ranked(text: string): Promise<number[]> {
  const q = await queryModel({ model: world.model, text, featureFracBits: world.index.manifest.featureFracBits })
  const scores = computeScores({ candidateFeatures: world.records.map((_, i) => indexFeatures(world.index, i)), queryFeatures: q.features })
  return scores.map((s, i) => ({ s, i })).sort((a, b) => (b.s > a.s ? 1 : b.s < a.s ? -1 : a.i - b.i)).map((x) => x.i)
}

/**
 * `poa challenge` as a validator would run it: its own process and key, this world's copies of the
 * data. Asynchronous: the chain's JSON-RPC server runs in this process and must keep answering.
 */
async function challenge(inferenceId: string, extra: string[] = []): Promise<{ status: number; result: any; error: any; output: string }> {
  return poa(['challenge', inferenceId, '--rpc', world.url, '--private-key', KEYS[4], ...extra])
}

/** `poa --json <args>` in its own process, asynchronously (see `challenge`). */
async function poa(args: string[], home = world.home): Promise<{ status: number; result: any; error: any; output: string }> {
  const { code, stdout, stderr } = await promisify(execFile)(process.execPath, ['cli/bin.js', '--home', home, '--json', ...args], { cwd: PACKAGE_ROOT, timeout: 300_000 })
    .then((r) => ({ code: 0, ...r }), (e: any) => ({ code: typeof e.code === 'number' ? e.code : 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e) }))
  let parsed: any = {}
  try {
    parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '')
  } catch {
    parsed = {}
  }
  return { status: code, result: parsed.result, error: parsed.error, output: stdout + stderr }
}

async function expectRevert(promise: Promise<unknown>, name: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error instanceof ChainRevertError ? error.errorName : String(error)).toBe(name)
}

describe('the challenge game', () => {
  it('cancels a settlement that skipped the best record, pays the validator half the bond, and lets the honest proof settle and pay after the window', async () => {
    const text = world.queries[0]
    const order = await ranked(text)
    const { inferenceId } = await recordQuery(world, text)
    const prover = world.chain.getSigner(KEYS[2])
    const validator = await world.chain.getSigner(KEYS[4]).getAddress()
    const treasury = await (await settlementAt(world.settlement, world.chain.provider)).treasury()
    const treasuryBefore = await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: treasury })

    // Ranks 2..K+1: a valid proof of the wrong records.
    const dishonest = await proveAndSettle(world, inferenceId, text, { positions: order.slice(1, PARAMS.candidateSlots + 1), signer: prover })
    expect(dishonest.settled.terms.bondWei).toBe(BOND)
    await expect(claimRewards({ settlement: world.settlement, signer: prover, inferenceId })).rejects.toThrow(/claims open at .* \(in \d+ s\), when its challenge window closes/)

    // A challenge proof is bound to its sender, the settlement's terms and the proof itself.
    const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet: 'tiny', statement: 'challenge' })
    const served = await loadServedInference({ home: world.home, chain: world.chain, modelId: world.modelId, params, circuitSet: 'tiny', fail: (reason) => new Error(reason) })
    const proved = await challengeRecordedInference({ home: world.home, chain: world.chain, settlement: world.settlement, inferenceId, served, circuit, keys, params, send: false })
    expect(proved).toMatchObject({ kind: 'proved', position: order[0] })
    // Keys that are not the settlement's challenge verifier's (here the attribution circuit's own) are
    // turned away before any proving, naming both circuit ids.
    const wrong = await challengeRecordedInference({ home: world.home, chain: world.chain, settlement: world.settlement, inferenceId, served, circuit: world.circuit, keys: world.keys, params, send: false })
    expect(wrong).toMatchObject({ kind: 'none', reason: expect.stringMatching(new RegExp(`is challenge circuit ${keys.circuitId}; these groth16 keys are ${world.keys.circuitId}`)) })
    const { calldata } = proved as ChallengeFound
    const copier = world.chain.getSigner(KEYS[3]) // the proof names world.chain's signer as the challenger
    await expectRevert(challengeSettlement({ settlement: world.settlement, signer: copier, inferenceId, calldata }), 'SettlementInputMismatch')
    const own = world.chain.signer
    const tampered = { ...calldata, proof: `${calldata.proof.slice(0, -4)}${calldata.proof.endsWith('00') ? '0101' : '0000'}` as `0x${string}` }
    await expectRevert(challengeSettlement({ settlement: world.settlement, signer: own, inferenceId, calldata: tampered }), 'SettlementChallengeInvalid')
    for (const at of [1, 4]) { // another datanet version's root, another settlement's threshold
      await expectRevert(challengeSettlement({ settlement: world.settlement, signer: own, inferenceId, calldata: { ...calldata, publicInputs: calldata.publicInputs.map((x, i) => (i === at ? x + 1n : x)) } }), 'SettlementInputMismatch')
    }

    const won = await challenge(inferenceId)
    expect(won.status, won.output).toBe(0)
    expect(won.result).toMatchObject({ kind: 'challenged', position: order[0] })
    expect(BigInt(won.result.toChallengerWei)).toBe(BOND / 2n)
    expect(BigInt(won.result.gasUsed)).toBeLessThan(350_000n) // the ceiling for a challenge
    expect(await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: validator })).toBe(BOND / 2n)
    expect(await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: treasury })).toBe(treasuryBefore + BOND / 2n)
    expect((await (await settlementAt(world.settlement, world.chain.provider)).inference(inferenceId)).status).toBe(1n) // pending again

    // The honest proof settles; the validator finds nothing to challenge.
    const honest = await proveAndSettle(world, inferenceId, text, { signer: prover })
    const stands = await challenge(inferenceId)
    expect(stands.status, stands.output).toBe(0)
    expect(stands.result.kind).toBe('stands')
    // Neither a paid record nor one scoring at most the threshold proves a fault.
    for (const record of [order[0], order[PARAMS.candidateSlots]]) {
      const refused = await challenge(inferenceId, ['--record', String(record)])
      expect(refused.status, refused.output).toBe(3)
      expect(refused.error).toMatchObject({ code: 'CHALLENGE_NOT_A_FAULT' })
    }
    // After the window: no challenge, and the claim pays what the data says (and the bond back).
    const rpc = world.chain.provider as JsonRpcProvider
    await rpc.send('evm_increaseTime', [WINDOW])
    await rpc.send('evm_mine', [])
    await expectRevert(challengeSettlement({ settlement: world.settlement, signer: world.chain.getSigner(KEYS[4]), inferenceId, calldata: { proof: '0x', publicInputs: [0n, 0n, 0n, 0n, 0n, 0n] } }), 'SettlementChallengeWindowClosed')
    const late = await challenge(inferenceId)
    expect(late.status, late.output).toBe(3)
    const proverBefore = await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: await prover.getAddress() })
    await claimRewards({ settlement: world.settlement, signer: prover, inferenceId })
    const paid = honest.settled.payouts
    expect(paid.length).toBeGreaterThan(0)
    const top = honest.attributed.candidates.map((c) => c.position)
    expect(top).toEqual(order.slice(0, top.length))
    expect(await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: await prover.getAddress() })).toBe(proverBefore + honest.settled.proverFeeWei + BOND)
  }, 900_000)

  it('cancels a settlement that paid no record at all', async () => {
    const text = world.queries[1]
    const { inferenceId } = await recordQuery(world, text)
    const empty = await proveAndSettle(world, inferenceId, text, { positions: [], signer: world.chain.getSigner(KEYS[2]) })
    expect(empty.settled.terms.threshold).toBe(0n)
    // The auditor's topK check fails, and with --challenge it proves and sends the fault (exit 4: the audit failed).
    const audited = await poa(['audit', inferenceId, '--datanet', String(world.datanetId), '--model', MODEL, '--challenge', '--rpc', world.url, '--private-key', KEYS[4]])
    expect(audited.status, audited.output).toBe(4)
    expect(audited.result).toMatchObject({ ok: false, failed: ['topK'], challenge: { kind: 'challenged', position: (await ranked(text))[0], threshold: '0', paidPositions: [] } })
    expect((await (await settlementAt(world.settlement, world.chain.provider)).inference(inferenceId)).status).toBe(1n) // pending again
  }, 600_000)

  it('poa node --validate --no-prove challenges a faulty settlement and leaves the proof to the provers', async () => {
    const text = world.queries[3]
    const order = await ranked(text)
    const { inferenceId } = await recordQuery(world, text)
    await proveAndSettle(world, inferenceId, text, { positions: order.slice(1, PARAMS.candidateSlots + 1), signer: world.chain.getSigner(KEYS[2]) })
    const home = `${world.home}-validate-only`
    cpSync(world.home, home, { recursive: true })
    // The validator has no copy of the query text: it fetches it from the host's query server.
    rmSync(join(home, 'queries', `${inferenceId.toLowerCase()}.txt`))
    const from = (await world.chain.provider.getBlockNumber()) - 2
    const node = ['node', '--rpc', world.url, '--private-key', KEYS[3], '--model', MODEL, '--datanet', String(world.datanetId), '--until-idle', '--poll-ms', '200', '--from-block', String(from)]
    const idle = await poa([...node, '--no-prove'], home)
    expect(idle.status).toBe(2)
    expect(idle.error.message).toMatch(/--no-prove: a node that neither proves nor validates has nothing to do \(add --validate\)/)
    const host = await startQueryServer({ home: world.home, port: 0 })
    const run = await poa([...node, '--validate', '--no-prove', '--query-source', host.url], home).finally(() => host.close())
    expect(run.status, run.output).toBe(0)
    expect(run.result.validator, run.output).toMatchObject({ challenges: 1, bondsWonWei: String(BOND / 2n) })
    // Nothing proven or queued: the inference awaits a prover again.
    expect(run.result.jobs).toMatchObject({ pending: 0, scoring: 0, proving: 0, submitted: 0, settled: 0 })
    expect((await (await settlementAt(world.settlement, world.chain.provider)).inference(inferenceId)).status).toBe(1n)
  }, 600_000)

  it('poa node --validate challenges a settlement that left out the best records, wins the bond, then proves and settles the inference honestly', async () => {
    const text = world.queries[2]
    const order = await ranked(text)
    const { inferenceId } = await recordQuery(world, text)
    await proveAndSettle(world, inferenceId, text, { positions: order.slice(1, PARAMS.candidateSlots + 1), signer: world.chain.getSigner(KEYS[2]) })
    // The validator runs a node too: it proves what it reopens, and its own settlement locks a bond.
    const validator = world.chain.getSigner(KEYS[4])
    await (await world.chain.contracts.openToken.getFunction('transfer')(await validator.getAddress(), parseUnits('20', 18))).wait()
    const home = `${world.home}-validator`
    cpSync(world.home, home, { recursive: true })
    // The node starts after the inference was recorded: the challenge is what queues its proof.
    const from = (await world.chain.provider.getBlockNumber()) - 2
    const run = await poa(['node', '--rpc', world.url, '--private-key', KEYS[4], '--model', MODEL, '--datanet', String(world.datanetId), '--validate', '--until-idle', '--poll-ms', '200', '--from-block', String(from)], home)
    expect(run.status, run.output).toBe(0)
    expect(run.result.validator).toMatchObject({ challenges: 1, bondsWonWei: String(BOND / 2n) })
    expect(run.result.validator.audits, run.output).toBe(2) // the dishonest settlement, then its own (stands)
    expect(run.result.done, run.output).toBe(1)
    const settled = await currentSettlement({ settlement: world.settlement, runner: world.chain.provider, inferenceId })
    expect(settled?.prover).toBe(await validator.getAddress())
    expect(settled!.payouts.length).toBeGreaterThan(0)
    expect(run.output).toMatch(/queued: its settlement was challenged/)
  }, 600_000)
})
