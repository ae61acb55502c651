// The Noir challenge program at the tiny parameters (K = 3, k = 8, depth 8): the statement of
// circuits/challenge.circom, executed with noir_js on inputs from the one challenge builder
// (buildChallengeInput), against the circom circuit on the same shared vector. Executes only (no
// keys, no proofs): 47 s with a cold build/ (the Noir and circom compiles), 18 s warm, on this
// loaded 2-core machine.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { Noir, acvm } from '@noir-lang/noir_js'
import { Barretenberg } from '@aztec/bb.js'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { calculateWitness } from '../prover/proof/calculateWitness.ts'
import { CHALLENGE_PUBLIC_INPUTS, TINY_CHALLENGE_SPEC, TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import {
  acirSizeOf, attributionFiles, challengeFiles, compileNoirChallenge, noirChallengeInputOf, noirChallengePublicInputsOf, NoirInputShapeError,
  NOIR_CHALLENGE_PARAMETERS, type NoirCircuit,
} from '../prover/proof/noir/index.ts'
import { buildChallengeInput, signedToField } from '../prover/witness/index.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { packagePath } from '../prover/layout/index.ts'
import { challengeScenario } from './witnessFixture.ts'
import { readChallengeVector } from './vectors/challengeVector.ts'

let circuit: NoirCircuit
let noir: Noir
let scenario: Awaited<ReturnType<typeof challengeScenario>>
beforeAll(async () => {
  circuit = await compileNoirChallenge(TINY_PARAMS)
  noir = new Noir(circuit.program)
  // The vector's scenario (same seed): every record's openings, for the inputs a cheating challenger would feed.
  scenario = await challengeScenario(2029, TINY_PARAMS)
}, 300_000)

/** Execute the program on a circom-style input: the public inputs it solved, by witness index. */
async function execute(input: Record<string, unknown>): Promise<bigint[]> {
  const { witness } = await noir.execute(noirChallengeInputOf(input, TINY_PARAMS))
  const solved = acvm.decompressWitnessStack(witness)[0].witness
  const publicWitness = acvm.getPublicParametersWitness(Buffer.from(circuit.program.bytecode, 'base64'), solved)
  expect([...publicWitness.keys()]).toEqual(CHALLENGE_PUBLIC_INPUTS.map((_, i) => i))
  return [...publicWitness.values()].map((v) => BigInt(v))
}

/** A failed assertion's message, as noir_js reports it. */
const failed = (message: string) => new RegExp(`Circuit execution failed: ${message}`)
async function rejected(input: Record<string, unknown>, reason: RegExp): Promise<void> {
  await expect(noir.execute(noirChallengeInputOf(input, TINY_PARAMS))).rejects.toThrow(reason)
}

/** The vector's input with record j's own openings in place of the challenged record's (what a cheating challenger would feed). */
function recordInput(j: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const r = scenario.all.candidates[j]
  return {
    ...readChallengeVector().input,
    leafIndex: BigInt(j), contributor: BigInt(r.contributor), contentHash: r.contentHash, labelHash: r.labelHash,
    datanetSiblings: r.datanetProof.siblings.slice(), indexChildren: r.indexProof.children.map((l) => l.slice()), features: r.features.map(signedToField),
    ...overrides,
  }
}

describe('Noir challenge program (circuits/noir/challenge, tiny)', () => {
  it('computes the shared vector\'s public signals, the same as the circom Challenge on the same input, in circom order', async () => {
    const vector = readChallengeVector()
    // The vector is still what the builder makes from its scenario.
    const rebuilt = await buildChallengeInput({
      params: TINY_PARAMS, challengeId: 12345n, datanetRoot: scenario.all.datanetRoot, indexRoot: scenario.all.indexRoot, query: scenario.all.query,
      record: scenario.all.candidates[vector.expected.leafIndex],
      settlement: { threshold: scenario.settlement.publicInputs.threshold, paidLeavesHash: scenario.settlement.publicInputs.paidLeavesHash, paidLeaves: scenario.paid },
    })
    expect(rebuilt.publicSignals).toEqual(vector.expected.publicSignals)

    expect(await execute(vector.input)).toEqual(vector.expected.publicSignals)
    expect(noirChallengePublicInputsOf(vector.input, TINY_PARAMS)).toEqual(vector.expected.publicSignals)
    const circom = await calculateWitness(await compileCircuit(TINY_CHALLENGE_SPEC), vector.input)
    expect(circom.slice(1, 1 + CHALLENGE_PUBLIC_INPUTS.length)).toEqual(vector.expected.publicSignals)

    // The ABI's public parameters are the layout every system's challenge verifier takes.
    expect(circuit.program.abi.parameters.filter((p) => p.visibility === 'public').map((p) => p.name)).toEqual(NOIR_CHALLENGE_PARAMETERS.slice(0, 6))
    expect(circuit.program.abi.parameters.map((p) => p.name)).toEqual(NOIR_CHALLENGE_PARAMETERS)
    expect(getProofSystem('ultrahonk').publicInputLayout(TINY_PARAMS, 'challenge')).toEqual([...CHALLENGE_PUBLIC_INPUTS])
  })

  it('refuses a paid record, one at the threshold and one below it', async () => {
    const { byScore, paid } = scenario
    const threshold = scenario.settlement.publicInputs.threshold
    for (const j of paid) await rejected(recordInput(j), failed('the record is among the paid leaves'))
    // The best record with the threshold at its own score: a tie stays with the prover.
    const top = byScore[0]
    await rejected(recordInput(top.i, { threshold: top.score }), failed('score not above the threshold'))
    const below = byScore.find((s) => !paid.includes(s.i) && s.score < threshold && s.score > 0n)!
    await rejected(recordInput(below.i), failed('score not above the threshold'))
    // A negative score counts as 0, which no threshold (>= 0) is below.
    const negative = scenario.scores.findIndex((s) => s < 0n)
    await rejected(recordInput(negative, { threshold: 0n }), failed('score not above the threshold'))
    // A threshold past the score width stands for no settlement's.
    await rejected(recordInput(top.i, { threshold: 1n << 40n }), failed('call to assert_max_bit_size'))
  })

  it('refuses a wrong datanet path, another record at the leaf index, and a wrong query feature', async () => {
    const j = scenario.byScore[0].i
    const siblings = (recordInput(j).datanetSiblings as bigint[]).slice()
    siblings[2] += 1n
    await rejected(recordInput(j, { datanetSiblings: siblings }), failed('record not in the datanet root'))
    await rejected(recordInput(j, { leafIndex: BigInt(scenario.byScore[1].i) }), failed('index path node not at its position|record not in the datanet root'))
    const queryFeatures = (recordInput(j).queryFeatures as bigint[]).slice()
    queryFeatures[1] = (queryFeatures[1] + 1n) % FIELD_MODULUS
    await rejected(recordInput(j, { queryFeatures }), failed('query commitment does not open'))
  })

  it('refuses paid leaves that do not open paidLeavesHash, and a wrong paidLeavesHash', async () => {
    const j = scenario.byScore[0].i
    const { paid } = scenario
    // Claiming the settlement paid other leaves than it did, to hide the record among them: the hash no longer opens.
    await rejected(recordInput(j, { paid: [BigInt(paid[0]) + 1n, BigInt(j) + 1n, 0n] }), failed('paid leaves hash mismatch'))
    await rejected(recordInput(j, { paidLeavesHash: scenario.settlement.publicInputs.paidLeavesHash + 1n }), failed('paid leaves hash mismatch'))
  })

  it('refuses a circom input of another shape, naming the signal', () => {
    const { input } = readChallengeVector()
    expect(() => noirChallengeInputOf(input, { ...TINY_PARAMS, candidateSlots: 4 })).toThrow(NoirInputShapeError)
    expect(() => noirChallengeInputOf(input, { ...TINY_PARAMS, candidateSlots: 4 })).toThrow(/challenge input "paid": expected an array of 4, got an array of 3/)
    const { inputHash: _, ...missing } = input
    expect(() => noirChallengeInputOf(missing, TINY_PARAMS)).toThrow(/challenge input "inputHash": expected a field element \(bigint\), got undefined/)
    expect(() => noirChallengeInputOf({ ...input, threshold: FIELD_MODULUS }, TINY_PARAMS)).toThrow(/threshold/)
  })

  it('compiles the same shared modules as the attribution program, with its own main', () => {
    const challenge = challengeFiles(TINY_PARAMS)
    const attribution = attributionFiles(TINY_PARAMS)
    for (const file of ['poseidon', 'range', 'merkle', 'features', 'candidate', 'params', 'poseidon_widths']) {
      expect(challenge.get(`src/${file}.nr`), file).toBe(attribution.get(`src/${file}.nr`))
    }
    expect(challenge.get('src/candidate.nr')).toBe(readFileSync(packagePath('circuits/noir/lib/candidate.nr'), 'utf8'))
    expect(challenge.get('src/main.nr')).not.toBe(attribution.get('src/main.nr'))
    expect(challenge.has('src/split.nr')).toBe(false)
  })

  it('is 7,643 ACIR opcodes and 11,030 UltraHonk gates (2^14) at tiny', async () => {
    const size = acirSizeOf(circuit.program)
    const bb = await Barretenberg.new({ threads: 1 })
    try {
      const [gates, dyadic] = await bb.acirGetCircuitSizes(new Uint8Array(gunzipSync(Buffer.from(circuit.program.bytecode, 'base64'))), false, true)
      expect({ opcodes: size.opcodes, gates, dyadic }).toEqual({ opcodes: 7643, gates: 11030, dyadic: 16384 })
    } finally {
      await bb.destroy()
    }
  })
})
