import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHarness, type CircuitHarness } from './circuitHarness.ts'
import { randomScenario, randomFeatures, rng, type ScenarioOptions } from './witnessFixture.ts'
import { readAttributionVector } from './vectors/attributionVector.ts'
import { ATTRIBUTION_FIXED_INPUTS, TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { buildAttributionWitness, fieldToSigned, paidLeavesHash, paidThreshold, unpackPayoutSlot } from '../prover/witness/index.ts'
import { FEATURE_BOUND } from '../prover/index/featureHash.ts'

const { candidateSlots: K, featureCount: k } = TINY_PARAMS

let h: CircuitHarness
beforeAll(async () => {
  h = await loadHarness()
})
afterAll(releaseCurve)

/**
 * Build the TS reference, run the circuit on it, and compare what the circuit computed: each
 * slot's dot product (sum of its product wires), its sign bit, the split's remainders, and the
 * payout slots (public inputs the circuit's equalities accept only for the one correct payout).
 */
async function compare(options: Omit<ScenarioOptions, 'params'>) {
  const parameters = await randomScenario({ params: TINY_PARAMS, ...options })
  const built = await buildAttributionWitness(parameters)
  const witness = await h.witness(built.input)
  expect(h.satisfies(witness)).toBe(true)
  const positive = built.scores.map((s) => (s > 0n ? s : 0n))
  const total = positive.reduce((a, b) => a + b, 0n)
  for (let i = 0; i < K; i++) {
    let score = 0n
    // --O2 folds the last product into the linear sum that feeds the sign check, so its wire is gone:
    // take it from the two input wires it multiplies.
    for (let t = 0; t < k - 1; t++) score += h.read(witness, `main.candidates[${i}].dot.products[${t}]`)
    score += h.read(witness, `main.features[${i}][${k - 1}]`) * h.read(witness, `main.queryFeatures[${k - 1}]`)
    const expected = i < built.scores.length ? built.scores[i] : 0n
    expect(fieldToSigned(score % h.r1cs.prime), `score ${i}`).toBe(expected)
    expect(h.read(witness, `main.candidates[${i}].positive.range.isNonNegative`), `sign ${i}`).toBe(expected >= 0n ? 1n : 0n)
    const remainder = i < built.scores.length && total > 0n ? (parameters.pool * positive[i]) % total : 0n
    expect(h.read(witness, `main.split.remainder[${i}]`), `remainder ${i}`).toBe(remainder)
    const slot = unpackPayoutSlot(witness[1 + ATTRIBUTION_FIXED_INPUTS + i])
    expect(slot.payout, `payout ${i}`).toBe(i < built.payouts.length ? built.payouts[i] : 0n)
  }
  // The challenge game's inputs: the circuit's threshold and paid-leaves hash are the TS reference's.
  const leafIndices = parameters.candidates.map((c) => c.leafIndex)
  expect(h.read(witness, 'main.threshold'), 'threshold').toBe(paidThreshold({ candidateSlots: K, scores: built.scores }))
  expect(h.read(witness, 'main.paidLeavesHash'), 'paidLeavesHash').toBe(await paidLeavesHash({ candidateSlots: K, leafIndices }))
  expect(built.publicInputs.threshold).toBe(built.scores.length < K ? 0n : positive.reduce((a, b) => (b < a ? b : a)))
  return built
}

describe('TS reference of scores and payouts equals the circuit', () => {
  it('on random datanets and queries', async () => {
    for (const seed of [101, 102, 103, 104]) await compare({ seed, records: 60 })
  })

  it('refuses a candidate that scores 0 or below, naming it (a slot pays only records that score above 0)', async () => {
    const query = randomFeatures(rng(110), k)
    const parameters = await randomScenario({ params: TINY_PARAMS, seed: 110, queryFeatures: query, candidateIndices: [1, 3, 5], featuresOf: (i, next) => (i === 3 ? query.map((q) => -q) : i === 5 ? new Array<bigint>(k).fill(0n) : randomFeatures(next, k).map((x, t) => (x < 0n ? -x : x) * (query[t] < 0n ? -1n : 1n))) })
    await expect(buildAttributionWitness(parameters)).rejects.toThrow(/candidates\[1\] \(record 3\) scores -\d+: only records that score above 0/)
    await expect(buildAttributionWitness({ ...parameters, candidates: [parameters.candidates[0], parameters.candidates[2]] })).rejects.toThrow(/candidates\[1\] \(record 5\) scores 0:/)
    const built = await compare({ seed: 110, queryFeatures: query, candidateIndices: [1], featuresOf: (i, next) => (i === 1 ? query : randomFeatures(next, k)) })
    expect(built.payouts).toEqual([built.publicInputs.pool])
  })

  it('with one candidate and with no candidate', async () => {
    const query = randomFeatures(rng(111), k).map((q) => (q < 0n ? -q : q))
    const one = await compare({ seed: 111, candidateCount: 1, queryFeatures: query, featuresOf: () => query })
    expect(one.payouts).toEqual([one.publicInputs.pool])
    const none = await compare({ seed: 112, candidateCount: 0 })
    expect(none.payouts).toEqual([])
    expect(none.publicInputs.payoutSlots).toEqual([0n, 0n, 0n])
  })

  it('with ties: equal scores get equal payouts', async () => {
    const query = randomFeatures(rng(1130), k)
    const aligned = (next: () => number) => randomFeatures(next, k).map((x, t) => (x < 0n ? -x : x) * (query[t] < 0n ? -1n : 1n))
    const shared = aligned(rng(113))
    const built = await compare({ seed: 113, queryFeatures: query, candidateIndices: [2, 4, 9], featuresOf: (i, next) => (i === 2 || i === 9 ? shared : aligned(next)) })
    expect(built.scores[0]).toBe(built.scores[2])
    expect(built.payouts[0]).toBe(built.payouts[2])
  })

  it('at the maximum values: features +-(2^15 - 1), the largest single payout 2^93 - 1', async () => {
    const max = new Array<bigint>(k).fill(FEATURE_BOUND)
    const built = await compare({ seed: 114, candidateCount: 1, queryFeatures: max, featuresOf: () => max, pool: (1n << 93n) - 1n })
    expect(built.scores[0]).toBe(BigInt(k) * FEATURE_BOUND * FEATURE_BOUND)
    expect(built.payouts[0]).toBe((1n << 93n) - 1n)
  })

  it('with a zero pool', async () => {
    const zeroPool = await compare({ seed: 116, pool: 0n })
    expect(zeroPool.payouts).toEqual([0n, 0n, 0n])
    expect(zeroPool.scores.every((s) => s > 0n)).toBe(true)
  })

  it('on the shared vector test/vectors/attribution_tiny.json', async () => {
    const vector = readAttributionVector()
    const built = await buildAttributionWitness(vector.parameters)
    expect(built.scores).toEqual(vector.expected.scores)
    expect(built.payouts).toEqual(vector.expected.payouts)
    expect(built.publicSignals).toEqual(vector.expected.publicSignals)
    const witness = await h.witness(built.input)
    expect(h.satisfies(witness)).toBe(true)
    expect(witness.slice(1, 1 + vector.expected.publicSignals.length)).toEqual(vector.expected.publicSignals)
  })
})
