// OPEN has no transfer hooks, so the real re-entry vector is a fee token that has them (ERC-777
// style): the settlement is deployed here with such a token (contracts/settlement/test/) and an
// attacker contract that, on receiving tokens, calls back into `withdraw` or `refund`.
import { beforeAll, describe, expect, it } from 'vitest'
import { Interface, type Signer } from 'ethers'
import { deploySettlement, DEFAULT_SHARES, NO_CHALLENGE_GAME } from '../prover/clients/settlementDeploy.ts'
import { claimRewards, recordInference, settleInference, settlementAt } from '../prover/clients/settlementClient.ts'
import {
  CIRCUIT_NAME, attributionInput, buildDatanet, buildQuery, deployRegistries, newInferenceId, prepareTinyCircuit, proveCase,
  registerDatanetAndModel, rng, settlementIdOf, type CircuitArtifacts, type Stack,
} from './settlementFixture.ts'

const SEED = Number(process.env.POA_TEST_SEED ?? 7)
const FEE = 10n * 10n ** 18n
const GUARD_ERROR = new Interface(['error ReentrancyGuardReentrantCall()']).getError('ReentrancyGuardReentrantCall')!.selector

let artifacts: CircuitArtifacts
let hre: any
let stack: Stack
let token: any
let attacker: any
let settlement: string
let host: Signer

beforeAll(async () => {
  const prepared = await prepareTinyCircuit()
  artifacts = prepared
  hre = prepared.hre
  stack = await deployRegistries(hre)
  host = stack.signers[1]
  token = await hre.ethers.deployContract('ReentrantToken')
  attacker = await hre.ethers.deployContract('MaliciousReceiver')
  const deployed = await deploySettlement({
    signer: stack.deployer, token: await token.getAddress(), datanetRegistry: await stack.datanets.getAddress(),
    modelRegistry: await stack.models.getAddress(), treasury: await attacker.getAddress(), circuits: [CIRCUIT_NAME], game: NO_CHALLENGE_GAME,
  })
  settlement = deployed.settlement
  await (await token.mint(await host.getAddress(), 10n * FEE)).wait()
  await (await attacker.execute(await token.getAddress(), token.interface.encodeFunctionData('enableHook'))).wait()
}, 1_200_000)

describe('AttributionSettlement against a re-entering fee token', () => {
  it('blocks a withdraw that re-enters withdraw, and pays the attacker exactly its balance once', async () => {
    const random = rng(SEED)
    const data = await buildDatanet({ contributors: await Promise.all(stack.signers.slice(5, 8).map((s) => s.getAddress())), n: 6, random })
    const query = await buildQuery(random)
    const modelId = await registerDatanetAndModel(stack, data, stack.signers[2])
    const chainId = (await hre.ethers.provider.getNetwork()).chainId
    const inferenceId = newInferenceId()
    await recordInference({ settlement, signer: host, modelId, inferenceId, circuitId: artifacts.keys.circuitId, queryCommitment: query.commitment, feeWei: FEE })
    const pool = (FEE * BigInt(DEFAULT_SHARES.contributorsBps)) / 10_000n
    const c = attributionInput({ data, query, pool, settlementId: settlementIdOf({ chainId, settlement, inferenceId, prover: await stack.signers[3].getAddress() }) })
    const settled = await settleInference({ settlement, signer: stack.signers[3], inferenceId, circuitId: artifacts.keys.circuitId, calldata: await proveCase(c, artifacts) })

    await claimRewards({ settlement, signer: stack.deployer, inferenceId })
    const contract = await settlementAt(settlement, stack.deployer)
    const attackerAddress = await attacker.getAddress()
    const credited: bigint = await contract.balanceOf(attackerAddress)
    expect(credited).toBe(settled.treasuryFeeWei)
    expect(credited).toBeGreaterThan(0n)

    await (await attacker.arm(settlement, contract.interface.encodeFunctionData('withdraw', [1n]))).wait()
    await (await attacker.execute(settlement, contract.interface.encodeFunctionData('withdraw', [credited]))).wait()
    const [attempts, ok, returned] = await attacker.lastReentry()
    expect(attempts).toBe(1n)
    expect(ok).toBe(false)
    expect(returned).toBe(GUARD_ERROR)
    expect(await token.balanceOf(attackerAddress)).toBe(credited)
    expect(await contract.balanceOf(attackerAddress)).toBe(0n)
  })

  it('blocks a refund that re-enters refund, so the host is refunded once', async () => {
    const random = rng(SEED + 1)
    const data = await buildDatanet({ contributors: [await stack.signers[6].getAddress()], n: 4, random })
    const query = await buildQuery(random)
    const modelId = await registerDatanetAndModel(stack, data, stack.signers[2])
    const contract = await settlementAt(settlement, stack.deployer)
    const attackerAddress = await attacker.getAddress()
    await (await token.mint(attackerAddress, FEE)).wait()
    const inferenceId = newInferenceId(attackerAddress) // the attacker contract is the host
    await (await attacker.execute(await token.getAddress(), token.interface.encodeFunctionData('approve', [settlement, FEE]))).wait()
    await (await attacker.execute(settlement, contract.interface.encodeFunctionData('recordInference', [modelId, inferenceId, artifacts.keys.circuitId, query.commitment, FEE]))).wait()
    await hre.network.provider.send('evm_increaseTime', [86_400])
    const before: bigint = await token.balanceOf(attackerAddress)
    const refundCall = contract.interface.encodeFunctionData('refund', [inferenceId])
    await (await attacker.arm(settlement, refundCall)).wait()
    await (await contract.refund(inferenceId)).wait()
    const [, ok, returned] = await attacker.lastReentry()
    expect(ok).toBe(false)
    expect(returned).toBe(GUARD_ERROR)
    expect(await token.balanceOf(attackerAddress)).toBe(before + FEE)
    expect((await contract.inference(inferenceId)).status).toBe(3n)
  })
})
