// Issue 17: an UltraHonk settlement can be challenged. The world of test/challengeGame.test.ts with
// the Noir programs instead of the circom circuits: the settlement approves the Noir attribution
// program's UltraHonk verifier and, for it, the Noir challenge program's; a prover settles a valid
// UltraHonk proof that pays the second-best record instead of the best; the validator proves with
// UltraHonk that the best record was left out, the settlement refuses a tampered challenge proof
// and accepts the real one, which cancels the settlement and pays the challenger half the bond.
// One slot (K = 1, k = 8, depth 8), so both programs fit 2^14 gates (11,565 and 10,769) and take
// their keys from the 2^14 dev powers of tau the suite already makes (the tiny set's attribution
// program, K = 3, needs 2^15: test/ultrahonkCli.test.ts).
// Opt-in (POA_ULTRAHONK_CLI=1, like the other UltraHonk chain test): 64 s warm here on a loaded
// 2-core machine (two UltraHonk proofs and their on-chain checks are 44 s of it), about 4 minutes
// cold (two Noir compiles, two key setups, the Solidity compile of two bb.js verifiers), more than
// CI's budget for one file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseUnits } from 'ethers'
import { ChainRevertError } from '../prover/chain/chainErrors.ts'
import { challengeSettlement, rewardBalance, settlementAt } from '../prover/clients/settlementClient.ts'
import { indexFeatures } from '../prover/index/index.ts'
import { queryModel } from '../prover/influence/index.ts'
import { computeScores } from '../prover/witness/index.ts'
import { challengeRecordedInference, type ChallengeFound } from '../prover/node/challengeRecordedInference.ts'
import { ensureCircuitKeys } from '../prover/app/ensureCircuitKeys.ts'
import { loadServedInference } from '../prover/app/servedInference.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { ensureSettlement } from '../prover/clients/settlementSetup.ts'
import { verifierCircuitId } from '../prover/clients/settlementDeploy.ts'
import type { AttributionParams } from '../prover/proof/circuitParams.ts'
import { createWorld, KEYS, proveAndSettle, recordQuery, type World } from './auditFixture.ts'

const PARAMS: AttributionParams = Object.freeze({ candidateSlots: 1, featureCount: 8, treeDepth: 8 })
const BOND = parseUnits('10', 18)
const gas: Record<string, string> = {}
let world: World

beforeAll(async () => {
  if (process.env.POA_ULTRAHONK_CLI !== '1') return
  world = await createWorld({
    home: join(mkdtempSync(join(tmpdir(), 'poa-honk-game-')), 'home'), system: 'ultrahonk', params: PARAMS,
    game: { windowSeconds: 3_600, bondWei: BOND, challengerBps: 5_000 },
  })
  await (await world.chain.contracts.openToken.getFunction('transfer')(world.chain.getSigner(KEYS[2]).getAddress(), parseUnits('100', 18))).wait()
}, 900_000)

afterAll(async () => {
  await world?.close()
  await getProofSystem('ultrahonk').release()
  if (Object.keys(gas).length > 0) process.stderr.write(`ultrahonk challenge game gas: ${JSON.stringify(gas)}\n`)
})

async function expectRevert(promise: Promise<unknown>, name: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error instanceof ChainRevertError ? error.errorName : String(error)).toBe(name)
}

describe.skipIf(process.env.POA_ULTRAHONK_CLI !== '1')('the challenge game under UltraHonk', () => {
  it('cancels an UltraHonk settlement that left out the best record with an UltraHonk challenge proof, and refuses a tampered one', async () => {
    const text = world.queries[0]
    const q = await queryModel({ model: world.model, text, featureFracBits: world.index.manifest.featureFracBits })
    const scores = computeScores({ candidateFeatures: world.records.map((_, i) => indexFeatures(world.index, i)), queryFeatures: q.features })
    const order = scores.map((s, i) => ({ s, i })).sort((a, b) => (b.s > a.s ? 1 : b.s < a.s ? -1 : a.i - b.i)).map((x) => x.i)
    expect(scores[order[0]] > scores[order[1]]).toBe(true) // a strict fault: the best scores above the paid one

    const { inferenceId } = await recordQuery(world, text)
    const prover = world.chain.getSigner(KEYS[2])
    const dishonest = await proveAndSettle(world, inferenceId, text, { positions: [order[1]], signer: prover })
    expect(dishonest.attributed.pkg.system).toBe('ultrahonk')
    expect(dishonest.settled.terms.threshold).toBe(scores[order[1]])
    gas.settle = String(dishonest.settled.gasUsed)

    const { circuit, keys, params } = await ensureCircuitKeys({ params: PARAMS, system: 'ultrahonk', statement: 'challenge' })
    expect(circuit.name).toBe('noir_challenge_d8_k8_K1')
    // The settlement holds the challenge program's verifier for the attribution program: asked again, nothing is sent.
    const again = await ensureSettlement({
      chain: world.chain, circuits: [{ circuitName: world.circuit.name, zkeyPath: world.keys.zkeyPath, system: 'ultrahonk' }],
      challenges: [{ circuitName: circuit.name, zkeyPath: keys.zkeyPath, forCircuit: world.circuit.name, system: 'ultrahonk' }],
    })
    expect(again.deployed).toEqual({})
    const approved = await (await settlementAt(world.settlement, world.chain.provider)).challengeVerifierOf(world.keys.circuitId)
    expect(await verifierCircuitId({ verifier: approved, runner: world.chain.provider })).toBe(keys.circuitId)
    const served = await loadServedInference({ home: world.home, chain: world.chain, modelId: world.modelId, params, circuitSet: 'K1', fail: (reason) => new Error(reason) })
    const base = { home: world.home, chain: world.chain, settlement: world.settlement, inferenceId, served, circuit, keys, params }
    const proved = await challengeRecordedInference({ ...base, send: false })
    expect(proved).toMatchObject({ kind: 'proved', position: order[0], threshold: scores[order[1]], paidPositions: [order[1]] })
    const { calldata } = proved as ChallengeFound
    expect(calldata.publicInputs).toHaveLength(6)

    // A flipped sumcheck value (word 40, past the 8 commitments): the verifier answers false, the settlement refuses.
    const at = 2 + 2 * (40 * 32 + 31)
    const tampered = { ...calldata, proof: `${calldata.proof.slice(0, at)}${(Number.parseInt(calldata.proof.slice(at, at + 2), 16) ^ 1).toString(16).padStart(2, '0')}${calldata.proof.slice(at + 2)}` as `0x${string}` }
    await expectRevert(challengeSettlement({ settlement: world.settlement, signer: world.chain.signer, inferenceId, calldata: tampered }), 'SettlementChallengeInvalid')

    const sent = await challengeSettlement({ settlement: world.settlement, signer: world.chain.signer, inferenceId, calldata })
    gas.challenge = String(sent.gasUsed)
    expect(sent.toChallengerWei).toBe(BOND / 2n)
    // The challenger (the deployer) is also the treasury here, so it holds both halves of the bond.
    expect(await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: world.chain.signerAddress })).toBe(BOND)
    expect((await (await settlementAt(world.settlement, world.chain.provider)).inference(inferenceId)).status).toBe(1n) // pending again
    // Nothing stands to challenge any more.
    expect(await challengeRecordedInference({ ...base, send: false })).toMatchObject({ kind: 'none' })
  }, 600_000)
})
