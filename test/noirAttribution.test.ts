import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Noir, acvm, type InputMap } from '@noir-lang/noir_js'
import { Barretenberg } from '@aztec/bb.js'
import { gunzipSync } from 'node:zlib'
import { TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { acirSizeOf, attributionFiles, compileNoirAttribution, compileNoirProgram, noirInputOf, noirPublicInputsOf, NoirInputShapeError, poseidonWidthsSource, type NoirCircuit } from '../prover/proof/noir/index.ts'
import { buildAttributionWitness, packPayoutSlot, paidLeavesHash, signedToField, splitRewards, type AttributionCircuitInput } from '../prover/witness/index.ts'
import { FIELD_MODULUS, addressToField } from '../prover/field/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { FEATURE_BOUND } from '../prover/index/featureHash.ts'
import { packagePath } from '../prover/layout/index.ts'
import { readAttributionVector } from './vectors/attributionVector.ts'
import { randomBigint, randomScenario, rng } from './witnessFixture.ts'

// The Noir attribution circuit at the tiny parameters (K = 3, k = 8, depth 8): the same statement
// as circuits/attribution.circom, executed with noir_js on inputs from the one witness builder.

const K = TINY_PARAMS.candidateSlots
/** Arities the parameter sets hash with: Merkle and leaves (2, 3, 4), K (3 tiny, 2 demo, 16 production), packed features (1 at k = 8, 9 at k = 128). */
const ARITIES = [1, 2, 3, 4, 9, 16]

let circuit: NoirCircuit
let noir: Noir
beforeAll(async () => {
  circuit = await compileNoirAttribution(TINY_PARAMS)
  noir = new Noir(circuit.program)
})

/** Execute the program on a circom-style input; the public inputs (by witness index) it solved, or the failure. */
async function execute(input: AttributionCircuitInput): Promise<Map<number, bigint>> {
  const { witness } = await noir.execute(noirInputOf(input, TINY_PARAMS))
  const solved = acvm.decompressWitnessStack(witness)[0].witness
  const publicWitness = acvm.getPublicParametersWitness(Buffer.from(circuit.program.bytecode, 'base64'), solved)
  return new Map([...publicWitness.entries()].map(([i, v]) => [i, BigInt(v)]))
}

async function expectRejected(input: AttributionCircuitInput, reason: RegExp): Promise<void> {
  await expect(noir.execute(noirInputOf(input, TINY_PARAMS))).rejects.toThrow(reason)
}

async function honest(seed: number, options: Partial<Parameters<typeof randomScenario>[0]> = {}) {
  const parameters = await randomScenario({ params: TINY_PARAMS, seed, records: 40, ...options })
  return { parameters, built: await buildAttributionWitness(parameters) }
}

const replace = <T>(values: readonly T[], index: number, value: T): T[] => values.map((v, i) => (i === index ? value : v))
/** A failed assertion's message, as noir_js reports it. */
const failed = (message: string) => new RegExp(`Circuit execution failed: ${message}`)

describe('Noir attribution circuit (circuits/noir/attribution, tiny)', () => {
  it("hashes with circomlib's Poseidon at every arity the parameter sets use", async () => {
    const calls = ARITIES.map((n) => `poseidon_${n}([${Array.from({ length: n }, (_, j) => `x[${j}]`).join(', ')}])`)
    const files = new Map([
      ['Nargo.toml', '[package]\nname = "poseidon_check"\ntype = "bin"\nauthors = ["poa"]\n\n[dependencies]\n'],
      ['src/main.nr', `mod poseidon;\nmod poseidon_widths;\nuse poseidon_widths::{${ARITIES.map((n) => `poseidon_${n}`).join(', ')}};\n\nfn main(x: [Field; 16]) -> pub [Field; ${ARITIES.length}] {\n    [${calls.join(', ')}]\n}\n`],
      ['src/poseidon.nr', readFileSync(packagePath('circuits/noir/lib/poseidon.nr'), 'utf8')],
      ['src/poseidon_widths.nr', poseidonWidthsSource(ARITIES)],
    ])
    const check = new Noir((await compileNoirProgram({ name: 'noir_poseidon_check', files })).program)
    const poseidon = await getPoseidon()
    const next = rng(2028)
    const vectors = [new Array<bigint>(16).fill(0n), new Array<bigint>(16).fill(FIELD_MODULUS - 1n), Array.from({ length: 16 }, () => randomBigint(next, 253) % FIELD_MODULUS)]
    for (const x of vectors) {
      const { returnValue } = await check.execute({ x: x.map((v) => `0x${v.toString(16)}`) })
      expect((returnValue as string[]).map(BigInt)).toEqual(ARITIES.map((n) => poseidon.hash(x.slice(0, n))))
    }
  })

  it('executes the shared vector, its public inputs the circom public signals in circom order', async () => {
    const vector = readAttributionVector()
    const built = await buildAttributionWitness(vector.parameters)
    const publicInputs = await execute(built.input)
    // Noir numbers a program's parameters first, in order: public inputs are witnesses 0..7+K-1.
    expect([...publicInputs.keys()]).toEqual(vector.expected.publicSignals.map((_, i) => i))
    expect([...publicInputs.values()]).toEqual(vector.expected.publicSignals)
    expect(noirPublicInputsOf(built.input, TINY_PARAMS)).toEqual(vector.expected.publicSignals)
    expect(circuit.program.abi.parameters.filter((p) => p.visibility === 'public').map((p) => p.name)).toEqual([
      'settlement_id', 'datanet_root', 'index_root', 'query_commitment', 'pool', 'threshold', 'paid_leaves_hash', 'payout_slot',
    ])
  })

  it('refuses a circom input of another shape, naming the signal', async () => {
    const { input } = await buildAttributionWitness(readAttributionVector().parameters)
    expect(() => noirInputOf(input, { ...TINY_PARAMS, treeDepth: 10 })).toThrow(NoirInputShapeError)
    expect(() => noirInputOf(input, { ...TINY_PARAMS, treeDepth: 10 })).toThrow(/"datanetSiblings\[0\]": expected an array of 10, got an array of 8/)
    expect(() => noirInputOf({ ...input, pool: FIELD_MODULUS }, TINY_PARAMS)).toThrow(/pool/)
    const { labelHash: _, ...missing } = input
    expect(() => noirInputOf(missing, TINY_PARAMS)).toThrow(/"labelHash": expected an array of 3, got undefined/)
  })

  it('accepts a settlement with an empty slot (its padding path at leaf 0)', async () => {
    const { built } = await honest(12, { candidateCount: 2 })
    expect([...(await execute(built.input)).values()]).toEqual(built.publicSignals)
  })

  it('rejects a changed candidate feature with the same payouts, and a changed query feature', async () => {
    const { built } = await honest(25)
    const features = (built.input.features as bigint[][]).map((row) => row.slice())
    features[0][3] = signedToField(((features[0][3] + 1n) % 100n))
    // Another feature hash, so another index leaf: no longer the node the path's first level holds.
    await expectRejected({ ...built.input, features }, failed('index path node not at its position'))
    const queryFeatures = replace(built.input.queryFeatures as bigint[], 7, signedToField(-5n) === (built.input.queryFeatures as bigint[])[7] ? 5n : signedToField(-5n))
    await expectRejected({ ...built.input, queryFeatures }, failed('query commitment does not open'))
  })

  it('rejects a payout slot off by one OPEN wei', async () => {
    const { built } = await honest(22)
    const slots = built.input.payoutSlot as bigint[]
    await expectRejected({ ...built.input, payoutSlot: replace(slots, 1, slots[1] + (1n << 160n)) }, failed('payout slot mismatch'))
  })

  it('rejects a changed datanet sibling and a changed 4-ary index sibling', async () => {
    const { built } = await honest(24)
    const siblings = (built.input.datanetSiblings as bigint[][]).map((row) => row.slice())
    siblings[1][5] += 1n
    await expectRejected({ ...built.input, datanetSiblings: siblings }, failed('record not in the datanet root'))
    // Level 3 of slot 1's index path: a sibling changes the root (the top level is not checked against a parent).
    const leafIndex = Number((built.input.leafIndex as bigint[])[1])
    const children = (built.input.indexChildren as bigint[][][]).map((slot) => slot.map((level) => level.slice()))
    children[1][3][(((leafIndex >> 6) & 3) + 1) % 4] += 1n
    await expectRejected({ ...built.input, indexChildren: children }, failed('features not in the index root'))
  })

  it('rejects a wrong threshold and a wrong paid-leaves hash', async () => {
    const { built } = await honest(23)
    await expectRejected({ ...built.input, threshold: (built.input.threshold as bigint) - 1n }, failed('threshold is not the smallest paid score'))
    await expectRejected({ ...built.input, paidLeavesHash: (built.input.paidLeavesHash as bigint) + 1n }, failed('paid leaves hash mismatch'))
  })

  it('rejects an active slot that scores 0 or below, paid 0 with a consistent threshold and paid leaves', async () => {
    // Record 3 scores the most negative a slot can (-k (2^15 - 1)^2), record 5 scores 0.
    const max = new Array<bigint>(TINY_PARAMS.featureCount).fill(FEATURE_BOUND)
    const featuresOf = (i: number) => (i === 3 ? max.map((x) => -x) : i === 5 ? max.map(() => 0n) : max)
    const parameters = await randomScenario({ params: TINY_PARAMS, seed: 26, records: 40, queryFeatures: max, candidateIndices: [1, 3, 5], featuresOf })
    const { built } = await honest(26, { queryFeatures: max, candidateIndices: [1], featuresOf })
    for (const record of parameters.candidates.slice(1)) {
      const keep = <T>(key: string, value: T) => [(built.input[key] as T[])[0], value, (built.input[key] as T[])[2]]
      const input: AttributionCircuitInput = {
        ...built.input,
        paidLeavesHash: await paidLeavesHash({ candidateSlots: K, leafIndices: [1, record.leafIndex] }),
        payoutSlot: [(built.input.payoutSlot as bigint[])[0], packPayoutSlot(addressToField(record.contributor), 0n), 0n],
        active: [1n, 1n, 0n],
        leafIndex: [1n, BigInt(record.leafIndex), 0n],
        contributor: keep('contributor', addressToField(record.contributor)),
        contentHash: keep('contentHash', record.contentHash),
        labelHash: keep('labelHash', record.labelHash),
        datanetSiblings: keep('datanetSiblings', record.datanetProof.siblings.slice()),
        indexChildren: keep('indexChildren', record.indexProof.children.map((c) => c.slice())),
        features: keep('features', record.features.map(signedToField)),
      }
      // Both roots open, the order, payouts, threshold (0 with an empty slot) and paid leaves hold:
      // only the rule that an active slot scores above 0 refuses it.
      await expectRejected(input, failed('active slot scores 0'))
    }
  })

  it('rejects the same record in two slots, and a leaf index past the tree', async () => {
    const { built } = await honest(30)
    const input = built.input
    const dup: AttributionCircuitInput = { ...input }
    for (const key of ['leafIndex', 'contributor', 'contentHash', 'labelHash', 'datanetSiblings', 'indexChildren', 'features']) {
      dup[key] = replace(input[key] as bigint[], 1, (input[key] as bigint[])[0])
    }
    // Slots recomputed for the doubled score, so only the order check is left to refuse it.
    const split = splitRewards({ pool: built.publicInputs.pool, scores: [built.scores[0], built.scores[0], built.scores[2]] })
    dup.payoutSlot = (dup.contributor as bigint[]).map((c, i) => packPayoutSlot(c, split.payouts[i]))
    await expectRejected(dup, failed('leaf indices not strictly increasing'))
    // leafIndex + 2^depth would open the same leaf of both trees but name another paid leaf: its
    // decomposition into DEPTH bits (a range check, no message of its own) refuses it.
    const past = replace(input.leafIndex as bigint[], 0, (input.leafIndex as bigint[])[0] + (1n << BigInt(TINY_PARAMS.treeDepth)))
    await expectRejected({ ...input, leafIndex: past }, /^Cannot satisfy constraint$/)
  })

  it('refuses the witness of a prover whose hints lie (sign bit, floor division, Poseidon trace)', async () => {
    // The program with each unconstrained hint able to lie, on the answer of an oracle: a prover
    // runs whatever hint code it likes, so the constraints after each hint must refuse the lie.
    const files = attributionFiles(TINY_PARAMS)
    const edit = (path: string, from: string, to: string) => {
      const text = files.get(path)!
      if (!text.includes(from)) throw new Error(`${path} no longer contains ${JSON.stringify(from)}: update this test`)
      files.set(path, `${text.replace(from, to)}\n#[oracle(poa_lie)]\nunconstrained fn lie(hint: Field) -> Field {}\n`)
    }
    edit('src/range.nr', 'if x.lt(half) { 0 } else { 1 }', 'let top = if x.lt(half) { 0 } else { 1 };\n    if lie(1) == 1 { 1 - top } else { top }')
    edit('src/split.nr', '    (quotient, remainder)\n}', '    if lie(2) == 1 { (quotient - 1, remainder + d) } else if lie(3) == 1 { (quotient + 1, remainder - d) } else { (quotient, remainder) }\n}')
    edit('src/poseidon.nr', '    permute(inputs, c, s, m, p, [0; W], false).0\n}', '    let mut trace = permute(inputs, c, s, m, p, [0; W], false).0;\n    if lie(4) == 1 {\n        trace[W - 1] += 1;\n    }\n    trace\n}')
    const lying = new Noir((await compileNoirProgram({ name: 'noir_attribution_lying_hints', files })).program)
    const inputs = noirInputOf((await buildAttributionWitness(readAttributionVector().parameters)).input, TINY_PARAMS)
    const run = (hint: number) => lying.execute(inputs, async (name, args) => {
      if (name !== 'poa_lie') throw new Error(`unexpected oracle ${name}`)
      return [BigInt(args[0][0]) === BigInt(hint) ? '0x01' : '0x00']
    })
    await expect(run(0)).resolves.toBeDefined()
    await expect(run(1)).rejects.toThrow(failed('call to assert_max_bit_size')) // a flipped sign bit leaves x - top 2^N out of range
    await expect(run(2)).rejects.toThrow(failed('remainder not below total')) // payout - 1 with remainder + S: underpaid
    await expect(run(3)).rejects.toThrow(failed('call to assert_max_bit_size')) // payout + 1 with remainder - S: out of range
    await expect(run(4)).rejects.toThrow(/^Cannot satisfy constraint$/) // the last pinned Poseidon value off by one
  })

  it('reads a compiled program from build/noir until its sources change', async () => {
    const lines: string[] = []
    const again = await compileNoirAttribution(TINY_PARAMS, { log: (line) => lines.push(line) })
    expect(lines).toEqual([])
    expect(again.sourceHash).toBe(circuit.sourceHash)
    expect(JSON.parse(readFileSync(again.programPath, 'utf8')).poa_source_hash).toBe(circuit.sourceHash)
    // Another parameter set is another project (generated params.nr), hence another key and file.
    const demo = attributionFiles({ candidateSlots: 2, featureCount: 128, treeDepth: 8 })
    expect(demo.get('src/params.nr')).toContain('pub global FEATURES: u32 = 128;')
    expect(demo.get('src/main.nr')).toBe(attributionFiles(TINY_PARAMS).get('src/main.nr'))
  })

  it('is 20,690 ACIR opcodes and 25,955 UltraHonk gates (2^15) at tiny', async () => {
    const size = acirSizeOf(circuit.program)
    const bb = await Barretenberg.new({ threads: 1 })
    try {
      const [gates, dyadic] = await bb.acirGetCircuitSizes(new Uint8Array(gunzipSync(Buffer.from(circuit.program.bytecode, 'base64'))), false, true)
      console.log(`${circuit.name}: ${size.opcodes} ACIR opcodes, ${size.witnesses} witnesses, ${gates} UltraHonk gates (circuit size ${dyadic})`)
      expect({ opcodes: size.opcodes, gates, dyadic }).toEqual({ opcodes: 20690, gates: 25955, dyadic: 32768 })
    } finally {
      await bb.destroy()
    }
  })
})
