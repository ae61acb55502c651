import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Wallet } from 'ethers'
import * as snarkjs from 'snarkjs'

// The development setup must run the ceremony's own code path. It writes under the build folder
// its callers pass (`buildDir`): a private folder here, so this file never touches the shared
// build/ptau cache. It stays inside the repository because circom2 (WASI) sees only the working
// directory.
const repoBuild = join(dirname(fileURLToPath(import.meta.url)), '..', 'build')
mkdirSync(repoBuild, { recursive: true })
const buildDir = mkdtempSync(join(repoBuild, 'devsetup-test-'))
const at = { buildDir }

let dev: typeof import('../ceremony/devSetup.ts')
let ceremony: typeof import('../ceremony/index.ts')
let curve: typeof import('../prover/proof/curve.ts')

beforeAll(async () => {
  dev = await import('../ceremony/devSetup.ts')
  ceremony = await import('../ceremony/index.ts')
  curve = await import('../prover/proof/curve.ts')
})
afterAll(async () => {
  await curve.releaseCurve()
  rmSync(buildDir, { recursive: true, force: true })
})

describe('development setup through the ceremony code path', () => {
  it('produces a labelled, verifiable single-contributor ptau and reuses it', async () => {
    const path = await dev.ensureDevPtau(8, undefined, at)
    expect(path).toBe(join(buildDir, 'ptau', 'dev_pot8_final.ptau'))
    const transcript = ceremony.readTranscript(dev.devCeremonyDir(8, at))
    expect(transcript.label).toBe(dev.DEV_SETUP_LABEL)
    expect(transcript.entries.map((e) => e.step)).toEqual(['init', 'contribute', 'beacon', 'prepare'])
    expect(transcript.entries[1].contributor).toMatch(/INSECURE/)
    const { report } = await ceremony.verifyCeremony({ dir: dev.devCeremonyDir(8, at), full: true })
    expect(report).toContain(dev.DEV_SETUP_LABEL)
    const logs: string[] = []
    expect(await dev.ensureDevPtau(8, (l) => logs.push(l), at)).toBe(path)
    expect(logs).toEqual([])
  })

  it('resumes an interrupted dev ptau without redoing its finished contribution', async () => {
    const dir = dev.devCeremonyDir(9, at)
    const who = { dir, contributor: 'poa dev (INSECURE, single contributor)', signer: Wallet.createRandom() }
    await ceremony.initPhase1({ ...who, power: 9, label: dev.DEV_SETUP_LABEL })
    const contribution = await ceremony.contributePhase1(who)
    const logs: string[] = []
    const path = await dev.ensureDevPtau(9, (l) => logs.push(l), at)
    expect(existsSync(path)).toBe(true)
    expect(logs[0]).toMatch(/resuming 2\^9 after init, contribute/)
    const entries = ceremony.readTranscript(dir).entries
    expect(entries[1].contributionHash).toBe(contribution.contributionHash)
    expect(entries.map((e) => e.step)).toEqual(['init', 'contribute', 'beacon', 'prepare'])
  })

  it('makes Groth16 keys from the dev ptau that prove and verify, cached by source hash', async () => {
    const { compileCircuit } = await import('../prover/proof/compileCircuit.ts')
    const circuit = await compileCircuit({ name: 'ceremony_multiplier', source: 'circuits/test/ceremonyMultiplier.circom', template: 'CeremonyMultiplier', params: [], publicInputs: ['product', 'b2'] }, undefined, at)
    expect(circuit.dir.startsWith(buildDir)).toBe(true)
    expect(await dev.requiredPower(circuit.r1csPath)).toBe(8)
    const keys = await dev.ensureDevKeys(circuit, undefined, at)
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 7, b: 3, product: 63, b2: 9 }, circuit.wasmPath, keys.zkeyPath)
    expect(await snarkjs.groth16.verify(keys.verificationKey, publicSignals, proof)).toBe(true)
    expect(await snarkjs.groth16.verify(keys.verificationKey, ['64', '9'], proof)).toBe(false)
    // The key is a phase 2 of the dev ptau (the ceremony's own verification of a zkey against r1cs and ptau).
    expect(await snarkjs.zKey.verifyFromR1cs(circuit.r1csPath, dev.devPtauPath(8, at), keys.zkeyPath)).toBe(true)
    await curve.releaseCurve()
    expect(keys.system).toBe('groth16')
    expect(keys.circuitId).toBe(ceremony.circuitIdFromVerificationKey(keys.verificationKey))
    const again = await dev.ensureDevKeys(circuit, undefined, at)
    expect(again.zkeyHash).toBe(keys.zkeyHash)
    expect(again.circuitId).toBe(keys.circuitId)
  })
})
