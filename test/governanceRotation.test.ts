// Verifier rotation after a new trusted setup (docs/governance.md): the circuit id is over the
// verification key, so a new setup is a new id approved BESIDE the old one, and each inference
// stores the id it was recorded with. An inference recorded before the rotation still settles with
// its old-key proof; one recorded after it under the new id needs a new-key proof, and an old-key
// proof for it is refused by name (SettlementCircuitMismatch), not by a failed pairing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseEther } from 'ethers'
import { ChainRevertError } from '../prover/chain/chainErrors.ts'
import { deployContract } from '../prover/chain/deploy.ts'
import { generateVerifier } from '../prover/proof/groth16/verifierGen.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { recordInference, settleInference, type SolidityCalldata } from '../prover/clients/settlementClient.ts'
import { buildLayout, PACKAGE_ROOT } from '../prover/layout/index.ts'
import { withCurve } from '../prover/proof/curve.ts'
import { ensureDevPtau, requiredPower } from '../ceremony/devSetup.ts'
import { CIRCUIT_NAME, attributionInput, newInferenceId, proveCase, settlementIdOf, type CircuitArtifacts } from './settlementFixture.ts'
import { proposeAndPass, queueAndExecute, setupGovernedNetwork, type GovernedNetwork } from './governanceFixture.ts'

const SEED = Number(process.env.POA_TEST_SEED ?? 424242)
const FEE = parseEther('40')
const ROTATED_NAME = `${CIRCUIT_NAME}_rotated`
const ROTATED_DIR = buildLayout().governanceDir
const SOURCES_DIR = join(PACKAGE_ROOT, 'contracts', 'governance', 'generated')

let net: GovernedNetwork
let rotated: CircuitArtifacts

/**
 * A second, independent Groth16 setup of the same circuit (fresh phase 2 from the dev powers of tau,
 * new random contribution), cached under build/governance/ while the first key is unchanged, and its
 * verifier generated into contracts/governance/generated/ (import path fixed for that folder).
 */
async function secondSetup(first: CircuitArtifacts, hre: any): Promise<CircuitArtifacts> {
  mkdirSync(ROTATED_DIR, { recursive: true })
  const zkeyPath = join(ROTATED_DIR, `${ROTATED_NAME}.zkey`)
  const vkeyPath = join(ROTATED_DIR, `${ROTATED_NAME}.vkey.json`)
  const stamp = `${zkeyPath}.from`
  const groth16 = getProofSystem('groth16')
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== first.keys.zkeyHash) {
    const ptau = await ensureDevPtau(await requiredPower(first.circuit.r1csPath))
    await groth16.setupKeys({ r1csPath: first.circuit.r1csPath, setupMaterialPath: ptau, zkeyPath, vkeyPath, contributor: 'poa governance test: second ceremony' })
    writeFileSync(stamp, first.keys.zkeyHash)
  }
  const generated = await generateVerifier({ circuitName: ROTATED_NAME, zkeyPath, outDir: ROTATED_DIR })
  const source = readFileSync(generated.solPath, 'utf8').replace('"../settlement/IAttributionVerifier.sol"', '"../../settlement/IAttributionVerifier.sol"')
  const target = join(SOURCES_DIR, `${generated.contractName}.sol`)
  if (!existsSync(target) || readFileSync(target, 'utf8') !== source) {
    mkdirSync(SOURCES_DIR, { recursive: true })
    writeFileSync(`${target}.tmp`, source)
    renameSync(`${target}.tmp`, target)
  }
  await hre.run('compile', { quiet: true })
  const keys = await groth16.loadKeys({ zkeyPath, vkeyPath })
  expect(generated.circuitId).toBe(keys.circuitId)
  return { circuit: first.circuit, keys }
}

async function record(under: CircuitArtifacts): Promise<string> {
  const inferenceId = newInferenceId()
  await recordInference({ settlement: net.addresses.settlement!, signer: net.host, modelId: net.modelId, inferenceId, circuitId: under.keys.circuitId, queryCommitment: net.query.commitment, feeWei: FEE })
  return inferenceId
}

async function prove(inferenceId: string, keys: CircuitArtifacts): Promise<SolidityCalldata> {
  const pool = BigInt((await net.settlement.inference(inferenceId)).pool)
  // settle() below sends from net.prover with prover = 0: the proof is made for that account.
  const settlementId = settlementIdOf({ chainId: net.chainId, settlement: net.addresses.settlement!, inferenceId, prover: await net.prover.getAddress() })
  return proveCase(attributionInput({ data: net.data, query: net.query, pool, settlementId }), keys)
}

/** Settle with a proof made under `keys` (the circuit id the proof is submitted for is theirs). */
const settle = (inferenceId: string, calldata: SolidityCalldata, keys: CircuitArtifacts) =>
  settleInference({ settlement: net.addresses.settlement!, signer: net.prover, inferenceId, circuitId: keys.keys.circuitId, calldata })

async function expectRevert(promise: Promise<unknown>, name: string, args: Record<string, unknown>): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ChainRevertError)
  expect((error as ChainRevertError).errorName).toBe(name)
  expect((error as ChainRevertError).args).toMatchObject(args)
}

beforeAll(async () => {
  net = await setupGovernedNetwork(SEED)
  rotated = await secondSetup(net.artifacts, net.hre)
}, 1_200_000)

describe(`verifier rotation through governance (seed ${SEED})`, () => {
  it('approves a new setup beside the old one: inferences recorded before it still settle with old-key proofs, later ones need new-key proofs', async () => {
    const old = net.artifacts
    expect(rotated.keys.circuitId).not.toBe(old.keys.circuitId)
    const recordedBefore = await record(old)
    const oldProofOfEarlier = await prove(recordedBefore, old)

    const verifier = await deployContract({ signer: net.deployer, name: `AttributionVerifier_${ROTATED_NAME}` })
    await queueAndExecute(net, await proposeAndPass(net, 'set-verifier', [rotated.keys.circuitId, verifier.address]))
    const [address, inputCount] = await net.settlement.verifierOf(rotated.keys.circuitId)
    expect(address).toBe(verifier.address)
    expect(inputCount).toBe(10n) // 7 fixed public inputs (with the challenge game's threshold and paidLeavesHash) + K = 3 slots
    expect((await net.settlement.verifierOf(old.keys.circuitId))[0]).not.toBe('0x0000000000000000000000000000000000000000')

    const recordedAfter = await record(rotated)
    expect((await net.settlement.inference(recordedAfter)).circuitId).toBe(rotated.keys.circuitId)
    // A proof from the old setup for an inference recorded under the new one: refused by name.
    await expectRevert(settle(recordedAfter, await prove(recordedAfter, old), old), 'SettlementCircuitMismatch', {
      inferenceId: recordedAfter, recorded: rotated.keys.circuitId, given: old.keys.circuitId,
    })
    // Submitted under the right id but made with the old key: the new verifier rejects the pairing.
    await expectRevert(settle(recordedAfter, await prove(recordedAfter, old), rotated), 'SettlementProofInvalid', { inferenceId: recordedAfter, circuitId: rotated.keys.circuitId })
    const settled = await settle(recordedAfter, await prove(recordedAfter, rotated), rotated)
    expect(settled.paidToContributorsWei).toBeGreaterThan(0n)

    // The inference recorded before the rotation is not stranded: its old-key proof settles.
    expect(Number((await net.settlement.inference(recordedBefore)).status)).toBe(1)
    await settle(recordedBefore, oldProofOfEarlier, old)
    expect(Number((await net.settlement.inference(recordedBefore)).status)).toBe(2)
  })
})
