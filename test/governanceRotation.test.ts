// Verifier rotation after a new trusted setup, decided in docs/governance.md: the settlement looks
// the verifier up by circuit id when a proof is SUBMITTED, so once governance points the circuit id
// at the new ceremony's verifier, every proof from the old key fails, including proofs for
// inferences recorded before the switch; those stay pending and are re-proven with the new key.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import * as snarkjs from 'snarkjs'
import { parseEther } from 'ethers'
import { ChainRevertError } from '../prover/chain/chainErrors.ts'
import { deployContract } from '../prover/chain/deploy.ts'
import { circuitIdOf, generateVerifier } from '../prover/proof/groth16/verifierGen.ts'
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
  const stamp = `${zkeyPath}.from`
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== first.keys.zkeyHash) {
    const ptau = await ensureDevPtau(await requiredPower(first.circuit.r1csPath))
    const [tmp0, tmp1] = [`${zkeyPath}.0.tmp-${process.pid}`, `${zkeyPath}.1.tmp-${process.pid}`]
    await withCurve(async () => {
      await snarkjs.zKey.newZKey(first.circuit.r1csPath, ptau, tmp0)
      await snarkjs.zKey.contribute(tmp0, tmp1, 'poa governance test: second ceremony', randomBytes(64).toString('hex'))
    })
    renameSync(tmp1, zkeyPath)
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
  return { circuit: first.circuit, keys: { ...first.keys, zkeyPath, zkeyHash: generated.zkeyHash } }
}

async function record(): Promise<string> {
  const inferenceId = newInferenceId()
  await recordInference({ settlement: net.addresses.settlement!, signer: net.host, modelId: net.modelId, inferenceId, queryCommitment: net.query.commitment, feeWei: FEE })
  return inferenceId
}

async function prove(inferenceId: string, keys: CircuitArtifacts): Promise<SolidityCalldata> {
  const pool = BigInt((await net.settlement.inference(inferenceId)).pool)
  // settle() below sends from net.prover with prover = 0: the proof is made for that account.
  const settlementId = settlementIdOf({ chainId: net.chainId, settlement: net.addresses.settlement!, inferenceId, prover: await net.prover.getAddress() })
  return proveCase(attributionInput({ data: net.data, query: net.query, pool, settlementId }), keys)
}

const settle = (inferenceId: string, calldata: SolidityCalldata) =>
  settleInference({ settlement: net.addresses.settlement!, signer: net.prover, inferenceId, circuitName: CIRCUIT_NAME, calldata })

async function expectProofInvalid(promise: Promise<unknown>, inferenceId: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ChainRevertError)
  expect((error as ChainRevertError).errorName).toBe('SettlementProofInvalid')
  expect((error as ChainRevertError).args).toMatchObject({ inferenceId, circuitId: circuitIdOf(CIRCUIT_NAME) })
}

beforeAll(async () => {
  net = await setupGovernedNetwork(SEED)
  rotated = await secondSetup(net.artifacts, net.hre)
}, 1_200_000)

describe(`verifier rotation through governance (seed ${SEED})`, () => {
  it('after set-verifier to a new ceremony\'s verifier, proofs from the old key fail and proofs from the new key settle', async () => {
    const recordedBefore = await record()
    const oldProofOfEarlier = await prove(recordedBefore, net.artifacts)

    const verifier = await deployContract({ signer: net.deployer, name: `AttributionVerifier_${ROTATED_NAME}` })
    await queueAndExecute(net, await proposeAndPass(net, 'set-verifier', [CIRCUIT_NAME, verifier.address]))
    const [address, inputCount] = await net.settlement.verifierOf(circuitIdOf(CIRCUIT_NAME))
    expect(address).toBe(verifier.address)
    expect(inputCount).toBe(8n)

    const recordedAfter = await record()
    await expectProofInvalid(settle(recordedAfter, await prove(recordedAfter, net.artifacts)), recordedAfter)
    const settled = await settle(recordedAfter, await prove(recordedAfter, rotated))
    expect(settled.paidToContributorsWei).toBeGreaterThan(0n)

    // Decided behaviour: the verifier is chosen at submission, so an old-key proof of an inference
    // recorded before the switch fails as well; the inference is still pending and settles once
    // re-proven with the new key.
    await expectProofInvalid(settle(recordedBefore, oldProofOfEarlier), recordedBefore)
    expect(Number((await net.settlement.inference(recordedBefore)).status)).toBe(1)
    await settle(recordedBefore, await prove(recordedBefore, rotated))
    expect(Number((await net.settlement.inference(recordedBefore)).status)).toBe(2)
  })
})
