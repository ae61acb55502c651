// The UltraHonk proof system (prover/proof/ultrahonk/) on a small Noir program of its own
// (test/fixtures/noir/honk_fixture: 10 public inputs, a Poseidon2 hash, range checks), so the
// backend is tested without the Noir attribution circuit: noir_wasm compiles it, the INSECURE dev
// CRS (exported from build/ptau's dev powers of tau) gives its keys, noir_js + bb.js prove, bb.js
// verifies, and the generated Solidity verifier behind its IAttributionVerifier adapter verifies on
// Hardhat's in-process chain and is approved by an AttributionSettlement under its circuit id.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Contract, type Signer } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDevHonkKeys } from '../ceremony/devHonkSetup.ts'
import { getHardhatRuntime, type HardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { deployContract } from '../prover/chain/deploy.ts'
import { deploySettlement, NO_CHALLENGE_GAME, prepareVerifiers } from '../prover/clients/settlementDeploy.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { buildLayout, PACKAGE_ROOT } from '../prover/layout/index.ts'
import { WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { CircuitKindError, ProofPackageError, ProveAbortedError } from '../prover/proof/errors.ts'
import type { CircuitKeys, SolidityCalldata } from '../prover/proof/proofSystem.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { readCrsManifest, ULTRAHONK_PROOF_BYTES, ultrahonkCircuitId, type UltraHonkProof } from '../prover/proof/ultrahonk/index.ts'
import { compileNoirProgram, noirProjectFromDir, type NoirCircuit } from '../prover/proof/noir/index.ts'

const NAME = 'honk_fixture'
const system = getProofSystem('ultrahonk')
const log = (line: string) => process.stderr.write(`${line}\n`)

/** value < 2^32 and parts summing to total + value: the fixture's statement holds. */
const INPUT = { secret: 7n, value: 10n, parts: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n], total: 26n }

let program: NoirCircuit
let keys: CircuitKeys
let proof: UltraHonkProof
let publicSignals: bigint[]
const timings: Record<string, number> = {}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    timings[what] = Math.round(performance.now() - started)
  }
}

/**
 * The proof with the low bit of word 40 flipped: a sumcheck univariate's value (after the 32 words
 * of 8 commitments), so still a field element, now the wrong one.
 */
function tamper(hex: `0x${string}`): `0x${string}` {
  const at = 2 + 2 * (40 * 32 + 31)
  const byte = Number.parseInt(hex.slice(at, at + 2), 16) ^ 0x01
  return `${hex.slice(0, at)}${byte.toString(16).padStart(2, '0')}${hex.slice(at + 2)}` as `0x${string}`
}

beforeAll(async () => {
  program = await timed('compile', () => compileNoirProgram(noirProjectFromDir(NAME, join(PACKAGE_ROOT, 'test/fixtures/noir/honk_fixture')), { log }))
  keys = await timed('keys', () => ensureDevHonkKeys(program, log))
  ;({ proof, publicSignals } = (await timed('prove', () => system.proveInput({ circuit: program, keys, input: INPUT }))) as { proof: UltraHonkProof; publicSignals: bigint[] })
}, 600_000)

afterAll(async () => {
  await system.release()
  log(`ultrahonk measurements (ms, or gas where named): ${JSON.stringify(timings)}`)
})

describe('ultrahonk proof system', () => {
  it('proves the fixture with its 10 public inputs in program order, and the proof verifies against the verification key alone', async () => {
    expect(keys.system).toBe('ultrahonk')
    expect(keys.verificationKey.nPublic).toBe(10)
    expect(publicSignals.slice(0, 9)).toEqual([...INPUT.parts, INPUT.total])
    // The return value (Poseidon2(secret, value)) is the last public input: a field element, not 0.
    expect(publicSignals[9] > 0n && publicSignals[9] < FIELD_MODULUS).toBe(true)
    expect((proof.proof.length - 2) / 2).toBe(ULTRAHONK_PROOF_BYTES)
    expect(await timed('verify', () => system.verify({ verificationKey: keys.verificationKey, proof, publicSignals }))).toBe(true)
  })

  it('rejects a tampered proof, a wrong public input and one outside the field', async () => {
    const batch = { verificationKey: keys.verificationKey, keepCurve: true }
    expect(await system.verify({ ...batch, proof: { ...proof, proof: tamper(proof.proof) }, publicSignals })).toBe(false)
    expect(await system.verify({ ...batch, proof, publicSignals: publicSignals.map((x, i) => (i === 8 ? x + 1n : x)) })).toBe(false)
    expect(await system.verify({ ...batch, proof, publicSignals: publicSignals.map((x, i) => (i === 0 ? x + FIELD_MODULUS : x)) })).toBe(false)
    // and the instance the batch kept still answers yes for the real proof
    expect(await system.verify({ ...batch, proof, publicSignals })).toBe(true)
    await expect(system.verify({ ...batch, proof, publicSignals: publicSignals.slice(1) })).rejects.toThrow(/verificationKey\.nPublic/)
    await expect(system.verify({ ...batch, proof: { ...proof, proof: proof.proof.slice(0, -2) }, publicSignals })).rejects.toThrow(ProofPackageError)
    await system.release()
  })

  it('refuses an input the program rejects, naming the failed assertion', async () => {
    await expect(system.proveInput({ circuit: program, keys, input: { ...INPUT, total: 27n } })).rejects.toThrow(WitnessUnsatisfiedError)
    await expect(system.proveInput({ circuit: program, keys, input: { ...INPUT, total: 27n } })).rejects.toThrow(/parts must sum to total \+ value/)
    // value = 2^32 with the sum kept right: only the range check can refuse it
    await expect(system.proveInput({ circuit: program, keys, input: { ...INPUT, value: 2n ** 32n, total: 36n - 2n ** 32n } })).rejects.toThrow(WitnessUnsatisfiedError)
    await expect(system.proveInput({ circuit: { name: 'circom', wasmPath: '/x.wasm' }, keys, input: INPUT })).rejects.toThrow(CircuitKindError)
  })

  it('stops proving when its signal aborts, with ProveAbortedError', async () => {
    const controller = new AbortController()
    const proving = system.proveInput({ circuit: program, keys, input: INPUT, signal: controller.signal })
    setTimeout(() => controller.abort(), 300)
    await expect(proving).rejects.toThrow(ProveAbortedError)
  })

  it('gives calldata that is the proof bytes and the signals, and decodes it back', () => {
    const calldata = system.calldata({ proof, publicSignals })
    expect(calldata.proof).toBe(proof.proof)
    expect(calldata.publicInputs).toEqual(publicSignals)
    expect(system.proofOfCalldata(calldata.proof)).toEqual(proof)
    expect(() => system.proofOfCalldata('0x1234')).toThrow(/14080 bytes of 0x-hex/)
    expect(() => system.calldata({ proof: { ...proof, transcript: 'poseidon2' }, publicSignals })).toThrow(/proof\.transcript/)
  })

  it('keeps one circuit id over the verification key and [tau]G2, whoever recomputes it', async () => {
    expect(keys.circuitId).toMatch(/^0x[0-9a-f]{64}$/)
    const reloaded = await system.loadKeys({ zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath })
    expect(reloaded.circuitId).toBe(keys.circuitId)
    expect(ultrahonkCircuitId(JSON.parse(readFileSync(keys.vkeyPath, 'utf8')))).toBe(keys.circuitId)
    // Another CRS point is another verifier, so another id.
    const otherG2 = `0x${keys.verificationKey.g2.slice(2, 66)}${keys.verificationKey.g2.slice(130)}${keys.verificationKey.g2.slice(66, 130)}`
    expect(system.circuitId({ ...keys.verificationKey, g2: otherG2 })).not.toBe(keys.circuitId)
    expect(system.publicInputLayout({ candidateSlots: 3, featureCount: 8, treeDepth: 8 })).toHaveLength(10)
  })

  it('takes its CRS from poa\'s own INSECURE dev powers of tau, enough points for the circuit', () => {
    const pk = JSON.parse(readFileSync(keys.zkeyPath, 'utf8'))
    expect(pk.setup.crs).toMatch(/INSECURE/)
    expect(pk.points).toBe(keys.verificationKey.circuitSize + 1)
    const crsDir = pk.setup.crs.match(/powers of tau 2\^(\d+)/)[1]
    const manifest = readCrsManifest(buildLayout().devCrsDir(Number(crsDir)))!
    expect(manifest.label).toMatch(/INSECURE/)
    expect(manifest.points).toBeGreaterThanOrEqual(pk.points)
  })
})

describe('the UltraHonk Solidity verifier behind IAttributionVerifier', () => {
  let hre: HardhatRuntime
  let adapter: Contract
  let calldata: SolidityCalldata

  beforeAll(async () => {
    const [generated] = await timed('verifierSource', () => prepareVerifiers({ circuits: [{ circuitName: NAME, zkeyPath: keys.zkeyPath, system: 'ultrahonk' }] }))
    expect(generated.circuitId).toBe(keys.circuitId)
    hre = await timed('hardhat compile', () => getHardhatRuntime())
    if (!(await hre.artifacts.artifactExists(generated.contractName))) await hre.run('compile', { quiet: true })
    calldata = system.calldata({ proof, publicSignals })
  }, 600_000)

  it('is deployed and approved by an AttributionSettlement under the circuit id it reports', async () => {
    const [deployer] = (await hre.ethers.getSigners()) as unknown as Signer[]
    const self = await deployer.getAddress()
    const token = await deployContract({ signer: deployer, name: 'OpenToken', args: [self] })
    const datanets = await deployContract({ signer: deployer, name: 'DatanetRegistry' })
    const models = await deployContract({ signer: deployer, name: 'ModelRegistry', args: [datanets.address] })
    const deployed = await deploySettlement({
      signer: deployer, token: token.address, datanetRegistry: datanets.address, modelRegistry: models.address, treasury: self,
      circuits: [NAME], game: NO_CHALLENGE_GAME,
    })
    const verifier = deployed.verifiers[NAME]
    expect(verifier.circuitId).toBe(keys.circuitId)
    timings['verifier deploy gas'] = Number(verifier.deployGas)
    const settlement = new Contract(deployed.settlement, ['function verifierOf(bytes32) view returns (address, uint256)'], deployer)
    expect(await settlement.verifierOf(keys.circuitId)).toEqual([verifier.address, 10n])
    const artifact = await hre.artifacts.readArtifact(`AttributionVerifier_${NAME}`)
    adapter = new Contract(verifier.address, artifact.abi, deployer)
    expect(await adapter.publicInputCount()).toBe(10n)
    expect(await adapter.circuitId()).toBe(keys.circuitId)
  })

  it('verifies the proof on-chain and measures the gas of a verification', async () => {
    expect(await adapter.verify(calldata.proof, calldata.publicInputs)).toBe(true)
    // A transaction to the view function: its receipt's gas is what a settle pays for the check.
    const tx = await adapter.verify.send(calldata.proof, calldata.publicInputs)
    const receipt = (await tx.wait())!
    // What the EVM charges before running any code: 21,000 plus 4 gas per zero byte and 16 per other byte of calldata.
    const bytes = Buffer.from(tx.data.slice(2), 'hex')
    const intrinsic = 21_000 + bytes.reduce((gas, b) => gas + (b === 0 ? 4 : 16), 0)
    timings['on-chain verify gas (transaction)'] = Number(receipt.gasUsed)
    timings['on-chain verify gas (execution)'] = Number(receipt.gasUsed) - intrinsic
    // and the UltraHonk verifier called directly, without the adapter
    const honk = new Contract(await adapter.honkVerifier(), ['function verify(bytes, bytes32[]) view returns (bool)'], adapter.runner)
    const inputs = calldata.publicInputs.map((x) => `0x${x.toString(16).padStart(64, '0')}`)
    expect(await honk.verify(calldata.proof, inputs)).toBe(true)
    const direct = (await (await honk.verify.send(calldata.proof, inputs)).wait())!
    timings['adapter overhead gas'] = Number(receipt.gasUsed - direct.gasUsed)
    expect(receipt.gasUsed).toBeGreaterThan(1_000_000n)
  })

  it('answers false for a tampered proof, a wrong input and one outside the field; reverts on a wrong length', async () => {
    expect(await adapter.verify(tamper(calldata.proof), calldata.publicInputs)).toBe(false)
    expect(await adapter.verify(calldata.proof, calldata.publicInputs.map((x, i) => (i === 8 ? x + 1n : x)))).toBe(false)
    expect(await adapter.verify(calldata.proof, calldata.publicInputs.map((x, i) => (i === 0 ? x + FIELD_MODULUS : x)))).toBe(false)
    await expect(adapter.verify(calldata.proof.slice(0, -64), calldata.publicInputs)).rejects.toThrow(/AttributionVerifierProofLength/)
    await expect(adapter.verify(calldata.proof, calldata.publicInputs.slice(1))).rejects.toThrow(/AttributionVerifierInputCount/)
  })

  it('reverts instead of answering false when the call runs out of gas', async () => {
    await expect(adapter.verify(calldata.proof, calldata.publicInputs, { gasLimit: 600_000 })).rejects.toThrow(/UltraHonkVerifierOutOfGas/)
  })
})
