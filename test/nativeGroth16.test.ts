import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseGroth16Prover, loadNativeProver } from '../prover/proof/groth16/nativeProver.ts'
import { runNativeProver } from '../prover/proof/groth16/runNativeProver.ts'
import { NativeProverInputError, NativeProverUnavailableError, ProveAbortedError, ProverChoiceError } from '../prover/proof/errors.ts'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_CHALLENGE_SPEC, TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { proveChallenge } from '../prover/proof/proveChallenge.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { ensureDevKeys } from '../ceremony/devSetup.ts'
import { buildChallengeInput } from '../prover/witness/index.ts'
import { CIRCUIT_NAME, prepareTinyCircuit, type CircuitArtifacts } from './settlementFixture.ts'
import { challengeScenario, randomWitness } from './witnessFixture.ts'

// Costs about 36 s here (2 loaded cores, warm Hardhat and keys): the native build (~4 s, cached), four tiny-circuit
// witnesses, four native proofs (~1-2 s each), two snarkjs proofs, one challenge proof, a verifier deploy.
let artifacts: CircuitArtifacts
let hre: any
let binary: string
let verifier: any
const dir = mkdtempSync(join(tmpdir(), 'poa-native-groth16-'))
const groth16 = getProofSystem('groth16')

beforeAll(async () => {
  const prepared = await prepareTinyCircuit()
  artifacts = prepared
  hre = prepared.hre
  const status = await loadNativeProver()
  if (!status.binary) throw new Error(`the native prover must build here: ${status.reason}`)
  binary = status.binary
  verifier = await hre.ethers.deployContract(`AttributionVerifier_${CIRCUIT_NAME}`)
}, 1_200_000)

afterAll(releaseCurve)

/** The tiny circuit's witness for a random scenario, written as a .wtns by the WebAssembly generator. */
async function writeWitness(seed: number): Promise<string> {
  const { witness } = await randomWitness({ params: TINY_PARAMS, seed })
  const path = join(dir, `w${seed}.wtns`)
  await snarkjs.wtns.calculate(witness.input as any, artifacts.circuit.wasmPath, path)
  return path
}

async function verifiesEverywhere(proof: any, publicSignals: readonly string[]): Promise<[boolean, boolean]> {
  const signals = publicSignals.map(BigInt)
  const offChain = await groth16.verify({ verificationKey: artifacts.keys.verificationKey, proof, publicSignals: signals, keepCurve: true })
  const calldata = groth16.calldata({ proof, publicSignals: signals })
  return [offChain, await verifier.verify(calldata.proof, calldata.publicInputs)]
}

describe('native Groth16 prover', () => {
  it('proves random witnesses that snarkjs and the on-chain verifier accept, as snarkjs does on the same witnesses', async () => {
    for (const seed of [11, 12, 13]) {
      const wtnsPath = await writeWitness(seed)
      const native = await runNativeProver({ binary, zkeyPath: artifacts.keys.zkeyPath, wtnsPath, circuit: CIRCUIT_NAME, threads: 2 })
      expect(native.proof.protocol).toBe('groth16')
      expect(native.proof.curve).toBe('bn128')
      expect(await verifiesEverywhere(native.proof, native.publicSignals), `seed ${seed} native`).toEqual([true, true])
      if (seed !== 13) {
        const js = await snarkjs.groth16.prove(artifacts.keys.zkeyPath, wtnsPath)
        expect(js.publicSignals).toEqual(native.publicSignals)
        expect(await verifiesEverywhere(js.proof, js.publicSignals), `seed ${seed} snarkjs`).toEqual([true, true])
      }
      // One thread gives another proof (fresh r, s) of the same statement.
      if (seed === 11) {
        const single = await runNativeProver({ binary, zkeyPath: artifacts.keys.zkeyPath, wtnsPath, circuit: CIRCUIT_NAME, threads: 1 })
        expect(single.threads).toBe(1)
        expect(single.proof.pi_a).not.toEqual(native.proof.pi_a)
        expect(await verifiesEverywhere(single.proof, single.publicSignals)).toEqual([true, true])
      }
    }
  }, 240_000)

  it('gives a proof that does not verify from a tampered witness', async () => {
    const wtnsPath = await writeWitness(14)
    const bytes = readFileSync(wtnsPath)
    // The header is 12 + (12 + 40) bytes, section 2 starts 12 bytes later: change a private signal
    // (past the 1 + 10 public ones) by adding 1 to its low byte.
    const values = 12 + 12 + 40 + 12
    const tampered = Buffer.from(bytes)
    const at = values + 32 * 40
    tampered[at] = (tampered[at] + 1) & 0xff
    const tamperedPath = join(dir, 'tampered.wtns')
    writeFileSync(tamperedPath, tampered)
    const out = await runNativeProver({ binary, zkeyPath: artifacts.keys.zkeyPath, wtnsPath: tamperedPath, circuit: CIRCUIT_NAME })
    expect(await verifiesEverywhere(out.proof, out.publicSignals)).toEqual([false, false])
  }, 120_000)

  it('names the file and the section of a truncated or malformed .zkey or .wtns', async () => {
    const wtnsPath = await writeWitness(15)
    const zkey = readFileSync(artifacts.keys.zkeyPath)
    const wtns = readFileSync(wtnsPath)
    const cases: [string, Buffer, 'zkey' | 'wtns', RegExp][] = [
      ['zkey-cut.zkey', zkey.subarray(0, zkey.length - 1000), 'zkey', /truncated: section \d+ claims \d+ bytes/],
      ['zkey-magic.zkey', Buffer.concat([Buffer.from('r1cs'), zkey.subarray(4)]), 'zkey', /not a \.zkey file \(magic "r1cs"/],
      ['wtns-cut.wtns', wtns.subarray(0, wtns.length - 32), 'wtns', /truncated: section 2 claims/],
      ['wtns-short.wtns', shrinkWitness(wtns), 'wtns', /section 1 \(header\): \d+ witness values, the circuit in .* has \d+/],
      ['tiny.zkey', zkey.subarray(0, 8), 'zkey', /too short/],
    ]
    for (const [name, bytes, kind, pattern] of cases) {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      const run = runNativeProver({ binary, circuit: CIRCUIT_NAME, zkeyPath: kind === 'zkey' ? path : artifacts.keys.zkeyPath, wtnsPath: kind === 'wtns' ? path : wtnsPath })
      const error = await run.then(() => undefined, (e) => e)
      expect(error, name).toBeInstanceOf(NativeProverInputError)
      expect(error.meta.file, name).toBe(path)
      expect(error.message, name).toMatch(pattern)
      expect(error.message, name).toContain(path)
    }
  }, 120_000)

  it('stops when aborted: the process is killed', async () => {
    const wtnsPath = join(dir, 'copy.wtns')
    copyFileSync(await writeWitness(16), wtnsPath)
    const controller = new AbortController()
    const pending = runNativeProver({ binary, zkeyPath: artifacts.keys.zkeyPath, wtnsPath, circuit: CIRCUIT_NAME, signal: controller.signal, onStage: (s) => s === 'ntt' && controller.abort() })
    await expect(pending).rejects.toBeInstanceOf(ProveAbortedError)
    await expect(runNativeProver({ binary, zkeyPath: artifacts.keys.zkeyPath, wtnsPath, circuit: CIRCUIT_NAME, signal: AbortSignal.abort() })).rejects.toThrow(/aborted during prove/)
  }, 60_000)

  it('proves the challenge circuit behind the seam and says which prover ran', async () => {
    const scenario = await challengeScenario(41, TINY_PARAMS)
    const { all, settlement, paid, byScore } = scenario
    const circuit = await compileCircuit(TINY_CHALLENGE_SPEC)
    const keys = await ensureDevKeys(circuit)
    const witness = await buildChallengeInput({
      params: TINY_PARAMS, challengeId: 777n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[byScore[0].i],
      settlement: { threshold: settlement.publicInputs.threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
    })
    const seen: string[] = []
    const previous = process.env.POA_PROVER
    process.env.POA_PROVER = 'native'
    try {
      // proveChallenge verifies the proof itself; onProver comes through the system's proveInput.
      const { proof, publicSignals } = await groth16.proveInput({ circuit, keys, input: witness.input, onProver: (c) => seen.push(c.prover) })
      expect(seen).toEqual(['native'])
      expect(await groth16.verify({ verificationKey: keys.verificationKey, proof, publicSignals, keepCurve: true })).toBe(true)
      const proved = await proveChallenge({ circuit, keys, witness })
      expect(proved.publicSignals[0]).toBe(777n)
    } finally {
      if (previous === undefined) delete process.env.POA_PROVER
      else process.env.POA_PROVER = previous
    }
  }, 120_000)

  it('falls back to snarkjs with a reason when no compiler builds it, and refuses a bad POA_PROVER', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'poa-native-nocc-'))
    const fallback = await chooseGroth16Prover({ choice: 'auto', buildDir, cc: '/nonexistent/cc' })
    expect(fallback).toMatchObject({ prover: 'snarkjs' })
    expect(fallback.reason).toMatch(/native prover unavailable: cannot compile .*groth16_prove\.c with \/nonexistent\/cc/)
    await expect(chooseGroth16Prover({ choice: 'native', buildDir, cc: '/nonexistent/cc' })).rejects.toBeInstanceOf(NativeProverUnavailableError)
    expect(await chooseGroth16Prover({ choice: 'snarkjs' })).toEqual({ prover: 'snarkjs', reason: 'POA_PROVER=snarkjs' })
    expect((await chooseGroth16Prover({ choice: 'auto' })).prover).toBe('native')
    await expect(chooseGroth16Prover({ choice: 'fast' })).rejects.toBeInstanceOf(ProverChoiceError)
  })
})

/** A .wtns whose header claims one value fewer (and whose values section is one value shorter). */
function shrinkWitness(wtns: Buffer): Buffer {
  const out = Buffer.from(wtns.subarray(0, wtns.length - 32))
  out.writeUInt32LE(out.readUInt32LE(12 + 12 + 36) - 1, 12 + 12 + 36)
  const sizeAt = 12 + 12 + 40 + 4
  out.writeBigUInt64LE(out.readBigUInt64LE(sizeAt) - 32n, sizeAt)
  return out
}
