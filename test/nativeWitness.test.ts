import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_CHALLENGE_SPEC, TINY_PARAMS, TINY_SPEC } from '../prover/proof/circuitParams.ts'
import { WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { NativeWitnessUnavailableError, ProveAbortedError, WitnessChoiceError, WitnessInputError } from '../prover/proof/errors.ts'
import { chooseWitnessGenerator, loadNativeWitness, startNativeWitnessBuild, type NativeWitnessStatus } from '../prover/proof/nativeWitness/nativeWitness.ts'
import { runNativeWitness } from '../prover/proof/nativeWitness/runNativeWitness.ts'
import { normalizeWitnessInput } from '../prover/proof/nativeWitness/witnessInput.ts'
import { runProveWorker, type WitnessReport } from '../prover/proof/proveInput.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { ensureDevKeys } from '../ceremony/devSetup.ts'
import { buildChallengeInput } from '../prover/witness/index.ts'
import { challengeScenario, randomWitness } from './witnessFixture.ts'

// Cost: on a fresh checkout (CI) ~92 s wall and ~120 CPU-s (2 cores at load 1-3): ~70 s of it builds the two
// native generators at once (circom2 --c ~10 s and g++ -O0 ~20-25 CPU-s each, ~1 GB each), cached under
// build/native and build/circuits/*/*_cpp; then ~15-25 s: three tiny and two challenge witnesses each way,
// a broken and five malformed inputs through both generators, one native-witness proof with the dev keys.
let tiny: CompiledCircuit
let challenge: CompiledCircuit
let tinyNative: Required<NativeWitnessStatus>
let challengeNative: Required<NativeWitnessStatus>
const dir = mkdtempSync(join(tmpdir(), 'poa-native-witness-'))

function built(status: NativeWitnessStatus): Required<NativeWitnessStatus> {
  if (status.binary === undefined) throw new Error(`the native witness generator must build here: ${status.reason}`)
  return status as Required<NativeWitnessStatus>
}

beforeAll(async () => {
  tiny = await compileCircuit(TINY_SPEC)
  challenge = await compileCircuit(TINY_CHALLENGE_SPEC)
  // Both builds at once: each is one g++ process, and CI has 2 cores.
  const [t, c] = await Promise.all([loadNativeWitness({ circuit: tiny }), loadNativeWitness({ circuit: challenge })])
  tinyNative = built(t)
  challengeNative = built(c)
}, 600_000)

afterAll(releaseCurve)

/** The .wtns of each generator for one input: [native, wasm] bytes. */
async function bothWitnesses(circuit: CompiledCircuit, native: Required<NativeWitnessStatus>, input: Record<string, unknown>, tag: string): Promise<[Buffer, Buffer]> {
  const inputPath = join(dir, `${tag}.json`)
  writeFileSync(inputPath, JSON.stringify(normalizeWitnessInput(circuit.name, input)))
  const nativePath = join(dir, `${tag}.native.wtns`)
  const wasmPath = join(dir, `${tag}.wasm.wtns`)
  await runNativeWitness({ ...native, inputPath, wtnsPath: nativePath, circuit: circuit.name })
  await snarkjs.wtns.calculate(input as any, circuit.wasmPath, wasmPath)
  return [readFileSync(nativePath), readFileSync(wasmPath)]
}

/** The witness stage of the prove path with one generator; the input is refused before any proof. */
function witnessOnly(circuit: CompiledCircuit, input: Record<string, unknown>, witnessChoice: 'native' | 'wasm') {
  // The zkey is never read: every input here fails in the witness stage.
  return runProveWorker({ wasmPath: circuit.wasmPath, zkeyPath: join(dir, 'unused.zkey'), input }, circuit.name, () => {}, undefined, { witnessChoice, proverChoice: 'native' })
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e) => e)

describe('native witness generator', () => {
  it('writes the same .wtns bytes as snarkjs (WebAssembly) for random tiny and challenge inputs', async () => {
    for (const seed of [1, 2, 3]) {
      const { witness } = await randomWitness({ params: TINY_PARAMS, seed })
      const [native, wasm] = await bothWitnesses(tiny, tinyNative, witness.input, `tiny${seed}`)
      expect(native.length, `tiny seed ${seed}`).toBeGreaterThan(1000)
      expect(native.equals(wasm), `tiny seed ${seed}`).toBe(true)
    }
    for (const seed of [41, 42]) {
      const { all, settlement, paid, byScore } = await challengeScenario(seed, TINY_PARAMS)
      const { input } = await buildChallengeInput({
        params: TINY_PARAMS, challengeId: BigInt(seed), datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[byScore[0].i],
        settlement: { threshold: settlement.publicInputs.threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
      })
      const [native, wasm] = await bothWitnesses(challenge, challengeNative, input, `challenge${seed}`)
      expect(native.equals(wasm), `challenge seed ${seed}`).toBe(true)
    }
  }, 240_000)

  it('refuses an input that breaks a constraint (a wrong Merkle sibling) in both generators, naming the failed assertion', async () => {
    const { witness } = await randomWitness({ params: TINY_PARAMS, seed: 6 })
    const siblings = (witness.input.datanetSiblings as bigint[][]).map((path) => path.slice())
    siblings[0][3] += 1n
    const input = { ...witness.input, datanetSiblings: siblings }
    const native = await failure(witnessOnly(tiny, input, 'native'))
    const wasm = await failure(witnessOnly(tiny, input, 'wasm'))
    for (const error of [native, wasm]) {
      expect(error).toBeInstanceOf(WitnessUnsatisfiedError)
      expect(error.message).toMatch(new RegExp(`circuit ${tiny.name} rejects the input: assertion failed in \\w+:\\d+`))
    }
    // Both name the same template: the innermost of WebAssembly's chain, the one native names.
    const template = (e: Error) => /assertion failed in (\w+):/.exec(e.message)?.[1]
    expect(template(native)).toBe(template(wasm))
    expect(native.message).toMatch(/\(component main\.\S+\)/)
  }, 60_000)

  it('names the signal of a malformed input, alike for both generators', async () => {
    const { witness } = await randomWitness({ params: TINY_PARAMS, seed: 7 })
    const cases: [string, Record<string, unknown>, string | undefined, RegExp][] = [
      ['not a number', { ...witness.input, pool: '12abc' }, 'pool', /"12abc" is not an integer/],
      ['a fraction', { ...witness.input, threshold: 1.5 }, 'threshold', /1\.5 is not an integer/],
      // circom's WebAssembly may find no such signal, or one of size 0 ("too many values").
      ['unknown signal', { ...witness.input, bogus: 1n }, 'bogus', /is not an input of the circuit|too many values/],
      ['too few values', { ...witness.input, queryFeatures: (witness.input.queryFeatures as bigint[]).slice(1) }, 'queryFeatures', /./],
      ['missing signal', Object.fromEntries(Object.entries(witness.input).filter(([k]) => k !== 'inputHash')), undefined, /only \d+ of \d+ input values are set/],
    ]
    for (const [name, input, signal, pattern] of cases) {
      for (const choice of ['native', 'wasm'] as const) {
        const error = await failure(witnessOnly(tiny, input, choice))
        expect(error, `${name} (${choice})`).toBeInstanceOf(WitnessInputError)
        expect(error.meta.signal, `${name} (${choice})`).toBe(signal)
        expect(error.message, `${name} (${choice})`).toMatch(pattern)
        if (signal) expect(error.message, `${name} (${choice})`).toContain(`signal ${signal}`)
      }
    }
    // What the generator itself reads: a file that is not JSON is named.
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"pool": [1, 2')
    const error = await failure(runNativeWitness({ ...tinyNative, inputPath: bad, wtnsPath: join(dir, 'bad.wtns'), circuit: tiny.name }))
    expect(error).toBeInstanceOf(WitnessInputError)
    expect(error.message).toContain(`${bad}: not JSON`)
  }, 120_000)

  it('proves with the native witness and says so; abort stops it', async () => {
    const keys = await ensureDevKeys(tiny)
    const { witness } = await randomWitness({ params: TINY_PARAMS, seed: 8 })
    const request = { wasmPath: tiny.wasmPath, zkeyPath: keys.zkeyPath, input: witness.input }
    const seen: string[] = []
    const out = await runProveWorker(request, tiny.name, () => {}, undefined, { witnessChoice: 'auto', onWitness: (c) => seen.push(c.generator) })
    expect(seen).toEqual(['native']) // auto: built by beforeAll
    expect(out.witness).toMatchObject({ generator: 'native' } satisfies Partial<WitnessReport>)
    expect(out.publicSignals).toEqual(witness.publicSignals.map(String))
    const groth16 = getProofSystem('groth16')
    expect(await groth16.verify({ verificationKey: keys.verificationKey, proof: out.proof, publicSignals: out.publicSignals.map(BigInt), keepCurve: true })).toBe(true)

    const controller = new AbortController()
    const aborted = runProveWorker(request, tiny.name, () => {}, controller.signal, { witnessChoice: 'native', onWitness: () => setImmediate(() => controller.abort()) })
    await expect(aborted).rejects.toBeInstanceOf(ProveAbortedError)
  }, 300_000)

  it('falls back to WebAssembly with a reason when it is not built or cannot be, and refuses a bad POA_WITNESS', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'poa-witness-nocxx-'))
    const auto = await chooseWitnessGenerator({ circuit: tiny, buildDir, choice: 'auto' })
    expect(auto).toMatchObject({ generator: 'wasm', reason: `native witness generator of ${tiny.name} not built (POA_WITNESS=native builds it)` })
    const missing = await loadNativeWitness({ circuit: tiny, buildDir, cxx: '/nonexistent/g++' })
    expect(missing.reason).toMatch(/cannot compile .*witness_main\.cpp with \/nonexistent\/g\+\+ \(spawn \/nonexistent\/g\+\+ ENOENT\)/)
    const noNasm = await loadNativeWitness({ circuit: tiny, buildDir, nasm: '/nonexistent/nasm' })
    expect(noNasm.reason).toMatch(/cannot assemble .*fr\.asm with \/nonexistent\/nasm .*install nasm/)
    await expect(chooseWitnessGenerator({ circuit: tiny, buildDir, choice: 'native', cxx: '/nonexistent/g++' })).rejects.toBeInstanceOf(NativeWitnessUnavailableError)
    await expect(chooseWitnessGenerator({ circuit: tiny, choice: 'fast' })).rejects.toBeInstanceOf(WitnessChoiceError)
    // The prove path with nothing built: the WebAssembly witness, and the reason reported.
    const { witness } = await randomWitness({ params: TINY_PARAMS, seed: 9 })
    const keys = await ensureDevKeys(tiny)
    const out = await runProveWorker({ wasmPath: tiny.wasmPath, zkeyPath: keys.zkeyPath, input: witness.input }, tiny.name, () => {}, undefined, { buildDir, witnessChoice: 'auto', proverChoice: 'snarkjs' })
    expect(out.witness).toEqual({ generator: 'wasm', reason: auto.reason })
    expect(out.publicSignals).toEqual(witness.publicSignals.map(String))
  }, 120_000)

  it('builds in the background for a node under auto only: nothing when built or under wasm, and a stopped node kills the compiler', async () => {
    const lines: string[] = []
    await startNativeWitnessBuild({ circuit: tiny, choice: 'auto', log: (l) => lines.push(l) }) // built by beforeAll
    await startNativeWitnessBuild({ circuit: tiny, choice: 'wasm', buildDir: mkdtempSync(join(tmpdir(), 'poa-witness-bg-')), log: (l) => lines.push(l) })
    expect(lines).toEqual([])
    const buildDir = mkdtempSync(join(tmpdir(), 'poa-witness-bg-'))
    const stop = new AbortController()
    const started = Date.now()
    const build = startNativeWitnessBuild({ circuit: tiny, choice: 'auto', buildDir, signal: stop.signal, log: (l) => lines.push(l) })
    setTimeout(() => stop.abort(), 300)
    await build
    expect(Date.now() - started).toBeLessThan(10_000) // g++ takes 20-60 s: it was killed, not waited for
    expect(lines[0]).toMatch(/building .*native witness generator in the background .*proofs use WebAssembly until it is ready/)
    expect(lines.join('\n')).not.toMatch(/generator is ready|could not be built/) // stopped: no verdict
    expect((await chooseWitnessGenerator({ circuit: tiny, buildDir, choice: 'auto' })).generator).toBe('wasm')
  }, 60_000)
})
