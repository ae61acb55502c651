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
import { challengeSettlement, claimRewards, rewardBalance, settlementAt } from '../prover/clients/settlementClient.ts'
import { indexFeatures } from '../prover/index/index.ts'
import { queryModel } from '../prover/influence/index.ts'
import { computeScores } from '../prover/witness/index.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { createWorld, KEYS, PARAMS, proveAndSettle, recordQuery, type World } from './auditFixture.ts'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

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
async function challenge(inferenceId: string): Promise<{ status: number; result: any; output: string }> {
  const args = ['cli/bin.js', '--home', world.home, '--json', 'challenge', inferenceId, '--rpc', world.url, '--private-key', KEYS[4]]
  const { code, stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: PACKAGE_ROOT, timeout: 300_000 })
    .then((r) => ({ code: 0, ...r }), (e: any) => ({ code: typeof e.code === 'number' ? e.code : 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e) }))
  let result: any
  try {
    result = JSON.parse(stdout.trim().split('\n').pop() ?? '').result
  } catch {
    result = undefined
  }
  return { status: code, result, output: stdout + stderr }
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
    const won = await challenge(inferenceId)
    expect(won.status, won.output).toBe(0)
    expect(won.result).toMatchObject({ kind: 'challenged', position: (await ranked(text))[0], paidPositions: [] })
  }, 600_000)
})
