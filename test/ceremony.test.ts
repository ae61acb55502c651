import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrowserProvider, ContractFactory, Wallet } from 'ethers'
import * as snarkjs from 'snarkjs'
import {
  beaconPhase1, beaconPhase2, checkBbCrs, contributePhase1, contributePhase2, exportBbCrs, exportCircuit, finalizePhase2,
  initPhase1, preparePhase1, readTranscript, setupPhase2, verifyCeremony, lemToBe, CrsPairingCheckError, type TranscriptEntry,
} from '../ceremony/index.ts'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { releaseCurve, withCurve } from '../prover/proof/curve.ts'
import { getHardhatRuntime, createHardhatNetwork } from '../prover/chain/hardhatRuntime.ts'

// A three-party ceremony where every participant works in their own folder and receives only the
// transcript and the latest file (plus, in phase 2, the r1cs and prepared ptau), as over e-mail.
const root = mkdtempSync(join(tmpdir(), 'poa-ceremony-'))
const folder = (name: string) => join(root, name)
const coordinator = Wallet.createRandom()
const parties = { alice: Wallet.createRandom(), bob: Wallet.createRandom(), carol: Wallet.createRandom() }
const POWER = 8
const CIRCUIT = 'mul'

/** Pass the transcript and the named files from one participant's folder to another's. */
function hand(from: string, to: string, files: string[]): void {
  for (const f of ['transcript.json', ...files]) {
    mkdirSync(dirname(join(to, f)), { recursive: true })
    copyFileSync(join(from, f), join(to, f))
  }
}
const latest = (dir: string, phase: 1 | 2) => readTranscript(dir).entries.filter((e) => e.phase === phase).at(-1)!.file

let circuit: CompiledCircuit
const hashes: Record<string, string> = {}
let final = ''

beforeAll(async () => {
  circuit = await compileCircuit({ name: 'ceremony_multiplier', source: 'circuits/test/ceremonyMultiplier.circom', template: 'CeremonyMultiplier', params: [], publicInputs: ['product', 'b2'] })
})
afterAll(async () => {
  await releaseCurve()
  rmSync(root, { recursive: true, force: true })
})

describe('a three-party ceremony passing files between folders', () => {
  it('runs phase 1 through three contributors, a beacon and prepare, and verifies', async () => {
    const progress: number[] = []
    await initPhase1({ dir: folder('coord'), power: POWER, contributor: 'coordinator', signer: coordinator, label: 'poa test ceremony' })
    let previous = folder('coord')
    for (const [name, signer] of Object.entries(parties)) {
      const dir = folder(`p1-${name}`)
      hand(previous, dir, [latest(previous, 1)])
      const entry = await contributePhase1({ dir, contributor: name, signer, entropyText: `${name} typed this`, onProgress: (p) => progress.push(p.done) })
      hashes[`p1-${name}`] = entry.contributionHash
      previous = dir
    }
    final = folder('final')
    hand(previous, final, [latest(previous, 1)])
    await beaconPhase1({ dir: final, contributor: 'beacon', signer: coordinator, beaconHash: '0x' + 'ab'.repeat(32), iterationsExp: 10 })
    await preparePhase1({ dir: final, contributor: 'coordinator', signer: coordinator })
    expect(progress.length).toBeGreaterThan(0)

    const entries = readTranscript(final).entries
    expect(entries.map((e) => `${e.index}:${e.step}:${e.contributor}`)).toEqual([
      '0:init:coordinator', '1:contribute:alice', '2:contribute:bob', '3:contribute:carol', '4:beacon:beacon', '5:prepare:coordinator',
    ])
    expect(entries[1].address).toBe(parties.alice.address)
    expect(entries[2].previousHash).toBe(entries[1].contributionHash)
    const { chains, report } = await verifyCeremony({ dir: final, full: true })
    expect(chains[0].power).toBe(POWER)
    // Each participant finds the hash their own run printed in the report.
    for (const name of Object.keys(parties)) {
      expect(report).toContain(hashes[`p1-${name}`].slice(0, 8))
      expect(report).toContain(hashes[`p1-${name}`].slice(120))
    }
  })

  it('runs phase 2 on a tiny circuit through three contributors, beacon, finalize and export', async () => {
    await setupPhase2({ dir: final, circuit: CIRCUIT, r1csPath: circuit.r1csPath, contributor: 'coordinator', signer: coordinator })
    const shared = [`phase2/${CIRCUIT}/${CIRCUIT}.r1cs`, `phase1/pot${POWER}_final.ptau`]
    let previous = final
    for (const [name, signer] of Object.entries(parties)) {
      const dir = folder(`p2-${name}`)
      hand(previous, dir, [latest(previous, 2), ...shared])
      hashes[`p2-${name}`] = (await contributePhase2({ dir, circuit: CIRCUIT, contributor: name, signer })).contributionHash
      previous = dir
    }
    hand(previous, final, [latest(previous, 2)])
    await beaconPhase2({ dir: final, circuit: CIRCUIT, contributor: 'beacon', signer: coordinator, beaconHash: 'cd'.repeat(32), iterationsExp: 10 })
    const fin: TranscriptEntry = await finalizePhase2({ dir: final, circuit: CIRCUIT, contributor: 'coordinator', signer: coordinator })
    expect(fin.file).toBe(`phase2/${CIRCUIT}/${CIRCUIT}_final.zkey`)

    const exported = await exportCircuit({ dir: final, circuit: CIRCUIT })
    expect(exported.circuitId).toMatch(/^0x[0-9a-f]{64}$/)
    expect(JSON.parse(readFileSync(exported.circuitIdPath, 'utf8')).circuitId).toBe(exported.circuitId)
    expect(readFileSync(exported.solidityVerifierPath, 'utf8')).toContain('contract Groth16Verifier')
    expect(exported.verificationKey.nPublic).toBe(2)

    const { chains, report } = await verifyCeremony({ dir: final, full: true })
    expect(chains.map((c) => c.circuit)).toEqual([null, CIRCUIT])
    const setup = readTranscript(final).entries.find((e) => e.step === 'setup')!
    expect(setup.previousHash).toBe(readTranscript(final).entries.find((e) => e.step === 'prepare')!.contributionHash)
    for (const name of Object.keys(parties)) expect(report).toContain(hashes[`p2-${name}`].slice(0, 8))
  })

  it('proves with the finalized key and the exported Solidity verifier accepts it on Hardhat\'s network', async () => {
    const zkey = join(final, `phase2/${CIRCUIT}/${CIRCUIT}_final.zkey`)
    const vkey = JSON.parse(readFileSync(join(final, `phase2/${CIRCUIT}/verification_key.json`), 'utf8'))
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 5, product: 75, b2: 25 }, circuit.wasmPath, zkey)
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true)
    const calldata = getProofSystem('groth16').calldata({ proof, publicSignals: publicSignals.map(BigInt) })
    await releaseCurve()

    // Compile the exported source with the npm solc (offline), beside the interface it implements
    // (it is meant for contracts/generated/), and deploy it on a private in-process network.
    const solc = createRequire(import.meta.url)('solc')
    const source = readFileSync(join(final, `phase2/${CIRCUIT}/Groth16Verifier.sol`), 'utf8')
    const output = JSON.parse(solc.compile(JSON.stringify({
      language: 'Solidity',
      sources: {
        'generated/Groth16Verifier.sol': { content: source },
        'settlement/IAttributionVerifier.sol': { content: readFileSync('contracts/settlement/IAttributionVerifier.sol', 'utf8') },
      },
      settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
    })))
    const errors = (output.errors ?? []).filter((e: any) => e.severity === 'error')
    expect(errors).toEqual([])
    const artifact = output.contracts['generated/Groth16Verifier.sol'][`Groth16Verifier_${CIRCUIT}`]
    const hre = await getHardhatRuntime({ compile: false })
    const provider = new BrowserProvider(await createHardhatNetwork(hre) as any)
    const signer = await provider.getSigner(0)
    const verifier: any = await new ContractFactory(artifact.abi, artifact.evm.bytecode.object, signer).deploy()
    await verifier.waitForDeployment()
    expect(await verifier.verify(calldata.proof, calldata.publicInputs)).toBe(true)
    const wrong = [calldata.publicInputs[0] + 1n, calldata.publicInputs[1]]
    expect(await verifier.verify(calldata.proof, wrong)).toBe(false)
    // What setVerifier checks: its input count, and the id it reports is the exported circuit_id.json's.
    expect(await verifier.publicInputCount()).toBe(2n)
    expect(await verifier.circuitId()).toBe(JSON.parse(readFileSync(join(final, `phase2/${CIRCUIT}/circuit_id.json`), 'utf8')).circuitId)
  })

  it('exports a Barretenberg CRS from the prepared ptau that passes its pairing check', async () => {
    const out = join(root, 'crs')
    const crs = await exportBbCrs({ ptauPath: join(final, `phase1/pot${POWER}_final.ptau`), outDir: out })
    expect(crs.points).toBe(2 ** (POWER + 1) - 1)
    expect(readFileSync(crs.g1Path).length).toBe(crs.points * 64)
    expect(readFileSync(crs.g2Path).length).toBe(128)
    expect((await checkBbCrs({ dir: out })).checked.length).toBeGreaterThanOrEqual(2)

    // Point 0 is the generator (1, 2) as plain big-endian integers: no Montgomery factor left in.
    const g1 = readFileSync(crs.g1Path)
    expect(BigInt(`0x${g1.subarray(0, 32).toString('hex')}`)).toBe(1n)
    expect(BigInt(`0x${g1.subarray(32, 64).toString('hex')}`)).toBe(2n)

    // Two swapped powers break the chain of ratios.
    const swapped = join(root, 'crs-swapped')
    mkdirSync(swapped)
    const bad = Buffer.from(g1)
    bad.set(g1.subarray(64 * 3, 64 * 4), 64 * 2)
    bad.set(g1.subarray(64 * 2, 64 * 3), 64 * 3)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(swapped, 'bn254_g1.dat'), bad.subarray(0, 64 * 8))
    copyFileSync(crs.g2Path, join(swapped, 'bn254_g2.dat'))
    await expect(checkBbCrs({ dir: swapped })).rejects.toThrow(CrsPairingCheckError)
  })

  it('writes G2 as x.c0 || x.c1 || y.c0 || y.c1 big-endian (the layout bb.js reads)', async () => {
    const be = await withCurve(async (curve) => {
      const lem = new Uint8Array(128)
      curve.G2.toRprLEM(lem, 0, curve.G2.g)
      return lemToBe(lem, 4)
    })
    const word = (i: number) => BigInt(`0x${Buffer.from(be.subarray(i * 32, i * 32 + 32)).toString('hex')}`)
    // The BN254 G2 generator of EIP-197, real part first.
    expect(word(0)).toBe(10857046999023057135944570762232829481370756359578518086990519993285655852781n)
    expect(word(1)).toBe(11559732032986387107991004021392285783925812861821192530917403151452391805634n)
    expect(word(2)).toBe(8495653923123431417604973247489272438418190587263600148770280649306958101930n)
    expect(word(3)).toBe(4082367875863433681332203403145435568316851327593401208105741076214120093531n)
    expect(existsSync(final)).toBe(true)
  })
})
