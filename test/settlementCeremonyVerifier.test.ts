// The verifier `poa ceremony export` writes is the one the settlement takes: a ceremony over the
// tiny attribution circuit (phase 2 from the dev powers of tau), its exported Groth16Verifier.sol
// compiled beside the settlement, approved by setVerifier under the exported circuit id, and a real
// proof made with the ceremony's final key settles an inference recorded under that id.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Wallet, type Signer } from 'ethers'
import { contributePhase2, exportCircuit, finalizePhase2, setupPhase2, type ExportCircuitReturnType } from '../ceremony/index.ts'
import { ensureDevPtau, requiredPower } from '../ceremony/devSetup.ts'
import { defaultBuildDir, PACKAGE_ROOT } from '../prover/layout/index.ts'
import { groth16CircuitId } from '../prover/proof/groth16/circuitId.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { DEFAULT_SHARES, deploySettlement, NO_CHALLENGE_GAME } from '../prover/clients/settlementDeploy.ts'
import { recordInference, settleInference, settlementAt } from '../prover/clients/settlementClient.ts'
import {
  attributionInput, buildDatanet, buildQuery, deployRegistries, newInferenceId, prepareTinyCircuit, proveCase, registerDatanetAndModel, rng,
  settlementIdOf, type CircuitArtifacts, type Stack,
} from './settlementFixture.ts'

const CEREMONY_CIRCUIT = 'attribution_tiny_ceremony'
const CONTRACT = `Groth16Verifier_${CEREMONY_CIRCUIT}`
const FEE = 100n * 10n ** 18n

let hre: any
let stack: Stack
let exported: ExportCircuitReturnType
let ceremonyArtifacts: CircuitArtifacts

/**
 * Run (or reuse, under build/ceremony-export/, while the circuit is unchanged) a two-step phase 2:
 * setup from the dev ptau, one contribution, finalize, export.
 */
async function ceremonyExport(tiny: CircuitArtifacts): Promise<ExportCircuitReturnType> {
  const dir = join(defaultBuildDir(), 'ceremony-export', tiny.circuit.sourceHash.slice(0, 16))
  if (!existsSync(join(dir, 'phase2', CEREMONY_CIRCUIT, 'circuit_id.json'))) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const ptauPath = await ensureDevPtau(await requiredPower(tiny.circuit.r1csPath))
    const who = { dir, circuit: CEREMONY_CIRCUIT, signer: Wallet.createRandom() }
    await setupPhase2({ ...who, contributor: 'coordinator', r1csPath: tiny.circuit.r1csPath, ptauPath })
    await contributePhase2({ ...who, contributor: 'alice' })
    await finalizePhase2({ ...who, contributor: 'coordinator' })
  }
  return exportCircuit({ dir, circuit: CEREMONY_CIRCUIT })
}

beforeAll(async () => {
  const tiny = await prepareTinyCircuit((line) => process.stderr.write(`${line}\n`))
  hre = tiny.hre
  exported = await ceremonyExport(tiny)
  // What an operator does with the export: drop it into contracts/generated/ and compile.
  const target = join(PACKAGE_ROOT, 'contracts', 'generated', `${CONTRACT}.sol`)
  if (!existsSync(target) || readFileSync(target, 'utf8') !== readFileSync(exported.solidityVerifierPath, 'utf8')) {
    copyFileSync(exported.solidityVerifierPath, `${target}.tmp`)
    renameSync(`${target}.tmp`, target)
  }
  await hre.run('compile', { quiet: true })
  ceremonyArtifacts = { circuit: tiny.circuit, keys: await getProofSystem('groth16').loadKeys({ zkeyPath: exported.zkeyPath, vkeyPath: exported.verificationKeyPath }) }
  stack = await deployRegistries(hre)
}, 1_200_000)

describe('a verifier exported by poa ceremony export', () => {
  it('is approved by setVerifier under the exported circuit id, and a proof from the ceremony\'s key settles', async () => {
    expect(exported.verifierContractName).toBe(CONTRACT)
    expect(exported.circuitId).toBe(groth16CircuitId(exported.verificationKey))
    expect(ceremonyArtifacts.keys.circuitId).toBe(exported.circuitId)
    const [deployer, host, modelOwner, prover, treasury] = stack.signers as Signer[]
    const { settlement } = await deploySettlement({
      signer: deployer, token: await stack.token.getAddress(), datanetRegistry: await stack.datanets.getAddress(),
      modelRegistry: await stack.models.getAddress(), treasury: await treasury.getAddress(), game: NO_CHALLENGE_GAME,
    })
    const verifier = await hre.ethers.deployContract(CONTRACT)
    expect(await verifier.circuitId()).toBe(exported.circuitId)
    const owner = await settlementAt(settlement, deployer)
    await (await owner.setVerifier(exported.circuitId, await verifier.getAddress())).wait()
    expect((await owner.verifierOf(exported.circuitId)).map(String)).toEqual([await verifier.getAddress(), String(7 + 3)])

    const random = rng(2026)
    const data = await buildDatanet({ contributors: await Promise.all(stack.signers.slice(5, 8).map((s: Signer) => s.getAddress())), n: 10, random })
    const query = await buildQuery(random)
    const modelId = await registerDatanetAndModel(stack, data, modelOwner)
    await (await stack.token.transfer(await host.getAddress(), FEE)).wait()
    const inferenceId = newInferenceId()
    await recordInference({ settlement, signer: host, modelId, inferenceId, circuitId: exported.circuitId, queryCommitment: query.commitment, feeWei: FEE })
    const chainId = (await hre.ethers.provider.getNetwork()).chainId
    const pool = (FEE * BigInt(DEFAULT_SHARES.contributorsBps)) / 10_000n
    const c = attributionInput({ data, query, pool, settlementId: settlementIdOf({ chainId, settlement, inferenceId, prover: await prover.getAddress() }) })
    const settled = await settleInference({ settlement, signer: prover, inferenceId, circuitId: exported.circuitId, calldata: await proveCase(c, ceremonyArtifacts) })
    expect(settled.payouts).toEqual(c.payouts)
    expect(settled.paidToContributorsWei).toBe(c.payouts.reduce((s, p) => s + p.amountWei, 0n))
  })
})
