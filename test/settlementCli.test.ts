// The settlement CLI end to end on a temporary home's embedded chain: each command is a separate
// process that replays the chain journal, as a user would run them.
import { beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { connectChain } from '../prover/chain/connectChain.ts'
import { createDatanetOnChain, commitDatanetRoot } from '../prover/clients/datanetRegistry.ts'
import { registerModelOnChain } from '../prover/clients/modelRegistry.ts'
import { ensureSettlement } from '../prover/clients/settlementSetup.ts'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { DEFAULT_SHARES } from '../prover/clients/settlementDeploy.ts'
import { contentHash } from '../prover/datanet/recordLeaf.ts'
import { makeProofPackage } from '../prover/proof/proofPackage.ts'
import { TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import {
  CIRCUIT_NAME, FEATURES, attributionInput, buildDatanet, buildQuery, prepareTinyCircuit, proveRaw, rng, settlementIdOf,
  type CircuitArtifacts, type DatanetFixture, type Query,
} from './settlementFixture.ts'

const run = promisify(execFile)
const FEE_OPEN = '20'
const FEE = 20n * 10n ** 18n
let home: string
let artifacts: CircuitArtifacts
let data: DatanetFixture
let query: Query
let settlement: string
let chainId: bigint
let contributorAccounts: Map<string, number>
/** The CLI's default account (Hardhat account 0): `poa settle` sends from it and pays it the prover fee. */
let settler: string

/** Run `poa --home <home> --json ...args`; returns the exit status and the parsed stdout line. */
async function poa(...args: string[]): Promise<{ status: number; body: any }> {
  const result = await run(process.execPath, ['cli/bin.js', '--home', home, '--json', ...args], { cwd: PACKAGE_ROOT, maxBuffer: 16 << 20 }).then(
    (r) => ({ status: 0, stdout: r.stdout }),
    (e: any) => ({ status: e.code as number, stdout: e.stdout as string }),
  )
  const line = result.stdout.trim().split('\n').pop() ?? ''
  return { status: result.status, body: line.startsWith('{') ? JSON.parse(line) : line }
}

beforeAll(async () => {
  artifacts = await prepareTinyCircuit()
  home = mkdtempSync(join(tmpdir(), 'poa-settle-cli-'))
  const chain = await connectChain({ home })
  try {
    settler = chain.signerAddress
    chainId = chain.chainId
    const accounts = await Promise.all([5, 6, 7].map(async (i) => [await chain.getSigner(i).getAddress(), i] as const))
    contributorAccounts = new Map(accounts)
    const random = rng(99)
    data = await buildDatanet({ contributors: accounts.map(([a]) => a), n: 9, random })
    query = await buildQuery(random)
    const { datanetId } = await createDatanetOnChain({ chain, metadataURI: 'ipfs://cli' })
    await commitDatanetRoot({ chain, datanetId, version: 1n, root: data.datanetTree.root, recordCount: 9n })
    await registerModelOnChain({ chain, modelHash: contentHash('cli model'), datanetId, datanetVersion: 1n, indexRoot: data.indexTree.root, k: FEATURES, featureScale: 16, projectionSeed: 1n })
    settlement = (await ensureSettlement({ chain, circuits: [{ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath }] })).settlement
  } finally {
    await chain.close()
  }
}, 1_200_000)

describe('poa inference record, settle, rewards', () => {
  it('records, settles a proof package, claims and withdraws exactly the proven payout', async () => {
    const recorded = await poa('inference', 'record', '--model', '1', '--query-commitment', query.commitment.toString(), '--fee', FEE_OPEN)
    expect(recorded.status).toBe(0)
    const inferenceId: string = recorded.body.result.inferenceId
    const pool = (FEE * BigInt(DEFAULT_SHARES.contributorsBps)) / 10_000n
    expect(BigInt(recorded.body.result.poolWei)).toBe(pool)
    // The circuit id defaults to the deployed tiny verifier's: the dev keys' id over their verification key.
    expect(recorded.body.result.circuitId).toBe(artifacts.keys.circuitId)

    const c = attributionInput({ data, query, pool, settlementId: settlementIdOf({ chainId, settlement, inferenceId, prover: settler }) })
    const { proof, publicSignals } = await proveRaw(c, artifacts)
    const pkg = join(home, 'proof.json')
    const [settlementId, datanetRoot, indexRoot, queryCommitment, poolSignal, threshold, paidLeavesHash, ...payoutSlots] = publicSignals.map(BigInt)
    const written = makeProofPackage({
      circuit: { id: artifacts.keys.circuitId, name: CIRCUIT_NAME, template: 'Attribution', params: TINY_PARAMS, r1csSha256: 'not checked here', zkeySha256: artifacts.keys.zkeyHash },
      proof, publicInputs: { settlementId, datanetRoot, indexRoot, queryCommitment, pool: poolSignal, threshold, paidLeavesHash, payoutSlots }, queryInputHash: query.inputHash, inferenceId,
    })
    writeFileSync(pkg, JSON.stringify(written))
    const shownBefore = await poa('inference', 'show', inferenceId, '--prover', settler)
    expect(BigInt(shownBefore.body.result.settlementId)).toBe(settlementId)
    // A package made for the default account cannot pay another prover: refused before any transaction.
    const redirected = await poa('settle', pkg, '--prover', [...contributorAccounts.keys()][0])
    expect(redirected.status).toBe(3)
    expect(redirected.body.error.meta.field).toBe('publicInputs.settlementId')
    const settled = await poa('settle', pkg)
    expect(settled.status).toBe(0)
    expect(settled.body.result.payouts).toEqual(c.payouts.map((p) => ({ contributor: p.contributor, amountWei: p.amountWei.toString() })))

    const shown = await poa('inference', 'show', inferenceId)
    expect(shown.body.result).toMatchObject({ status: 'settled', poolWei: pool.toString(), feeWei: FEE.toString() })

    // A retried settle (its answer lost) finds the settlement of this same proof and sends nothing.
    const replay = await poa('settle', pkg)
    expect(replay.status).toBe(0)
    expect(replay.body.result).toMatchObject({ alreadySettled: true, txHash: settled.body.result.txHash })

    // Claims wait for the challenge window (the default game: 3,600 s, a 10 OPEN bond the settle locked).
    expect(BigInt(settled.body.result.terms.bondWei)).toBe(10n ** 19n)
    const early = await poa('rewards', 'claim', inferenceId)
    expect(early.status).toBe(3)
    expect(early.body.error.message).toMatch(/claims open at .* \(in \d+ s\), when its challenge window closes/)
    expect((await poa('chain', 'mine', '2', '--interval', '3600')).status).toBe(0) // the second block is an interval later
    expect((await poa('rewards', 'claim', inferenceId)).status).toBe(0)
    const payee = c.payouts[0].contributor
    const owed = c.payouts.filter((p) => p.contributor === payee).reduce((s, p) => s + p.amountWei, 0n)
    const balance = await poa('rewards', 'balance', '--address', payee)
    expect(BigInt(balance.body.result.balanceWei)).toBe(owed)
    const withdrawn = await poa('rewards', 'withdraw', '--account', String(contributorAccounts.get(payee)))
    expect(withdrawn.status).toBe(0)
    expect(BigInt(withdrawn.body.result.amountWei)).toBe(owed)
    expect(BigInt((await poa('rewards', 'balance', '--address', payee)).body.result.balanceWei)).toBe(0n)
  })

  it('refunds an unsettled inference to its host once the refund timeout passes, and only then', async () => {
    const recorded = await poa('inference', 'record', '--model', '1', '--query-commitment', query.commitment.toString(), '--fee', '3')
    expect(recorded.status).toBe(0)
    const inferenceId: string = recorded.body.result.inferenceId
    const early = await poa('inference', 'refund', inferenceId, '--account', '4')
    expect(early.status).toBe(3)
    expect(early.body.error).toMatchObject({ code: 'REFUND_TOO_EARLY' })
    expect(early.body.error.message).toMatch(/its fee can be refunded from .* \(in \d+ s\); until then a prover may still settle it/)
    expect((await poa('chain', 'mine', '2', '--interval', '86400')).status).toBe(0) // the default timeout: one day
    const refunded = await poa('inference', 'refund', inferenceId, '--account', '4') // anyone may send it; the host is paid
    expect(refunded.status).toBe(0)
    expect(refunded.body.result).toMatchObject({ host: settler, feeWei: (3n * 10n ** 18n).toString() })
    expect((await poa('inference', 'show', inferenceId)).body.result.status).toBe('refunded')
    const listed = await poa('inference', 'list', '--model', '1', '--status', 'refunded')
    expect(listed.body.result.inferences.map((i: { inferenceId: string }) => i.inferenceId)).toEqual([inferenceId])
    expect(listed.body.result.inferences[0]).toMatchObject({ status: 'refunded', host: settler, feeWei: (3n * 10n ** 18n).toString() })
    const again = await poa('inference', 'refund', inferenceId)
    expect(again.status).toBe(5)
    expect(again.body.error.meta).toMatchObject({ error: 'SettlementNotPending' })
  })

  it('rejects bad input with a named error and the right exit status', async () => {
    const badFee = await poa('inference', 'record', '--model', '1', '--query-commitment', '5', '--fee', 'abc')
    expect(badFee.status).toBe(2)
    const missing = await poa('settle', join(home, 'no-such-package.json'), '--inference-id', `0x${'1'.repeat(64)}`)
    expect(missing.status).toBe(3)
    expect(missing.body.error.code).toBe('PROOF_PACKAGE_MALFORMED')
    const unknownModel = await poa('inference', 'record', '--model', '42', '--query-commitment', '5', '--fee', '1')
    expect(unknownModel.status).toBe(5)
    expect(unknownModel.body.error.meta).toMatchObject({ error: 'ModelUnknown', args: { modelId: '42' } })
    // A set whose k is not the model's could never settle the inference: refused before any transaction.
    const wrongSet = await poa('inference', 'record', '--model', '1', '--query-commitment', '5', '--fee', '1', '--circuit', 'demo')
    expect(wrongSet.status).toBe(3)
    expect(wrongSet.body.error).toMatchObject({ code: 'CIRCUIT_SET_MISMATCH', meta: { set: 'demo', k: 8 } })
    expect(wrongSet.body.error.message).toMatch(/--circuit demo proves k = 128 features, and model #1 is registered with k = 8: no proof could settle this inference \(--circuit auto, or one of tiny\)/)
    const tooMuch = await poa('rewards', 'withdraw', '--amount', '1000000') // account 0 is the treasury: it holds a little
    expect(tooMuch.body.error.meta.error).toBe('SettlementInsufficientBalance')
  })
})
