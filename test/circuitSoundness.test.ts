import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getAddress } from 'ethers'
import { loadHarness, type CircuitHarness } from './circuitHarness.ts'
import { challengeScenario, randomScenario, randomFeatures, rng } from './witnessFixture.ts'
import { TINY_CHALLENGE_SPEC, TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { buildAttributionWitness, buildChallengeInput, ChallengeNotAFaultError, fieldToSigned, packPayoutSlot, paidLeavesHash, signedToField, splitRewards, computeScores } from '../prover/witness/index.ts'
import { addressToField } from '../prover/field/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { buildMerkleTree, buildQuaternaryTree, computeMerkleRoot, getMerkleProof, getQuaternaryProof, paddingQuaternaryChildren, quaternaryLevels } from '../prover/merkle/index.ts'
import { FEATURE_BOUND, featureHash, indexLeaf } from '../prover/index/featureHash.ts'
import { labelHash, recordLeaf } from '../prover/datanet/recordLeaf.ts'
import { CandidateProofError } from '../prover/witness/errors.ts'

// Tiny parameters: K = 3 slots, k = 8 features, depth 8. Score sign bit at 33 (PositivePart(34)),
// RewardSplit(3, 33): remainders in 36 bits, LessThan(36) decomposes 37 bits.
const K = TINY_PARAMS.candidateSlots
const SBITS = 36

let h: CircuitHarness
beforeAll(async () => {
  h = await loadHarness()
})
afterAll(releaseCurve)

async function honest(seed: number, options: Partial<Parameters<typeof randomScenario>[0]> = {}) {
  const parameters = await randomScenario({ params: TINY_PARAMS, seed, ...options })
  const built = await buildAttributionWitness(parameters)
  const witness = await h.witness(built.input)
  return { parameters, built, witness }
}

/** `Template:line` of the first line of circuits/<file> containing `text`: names the check that must fail. */
function at(file: string, template: string, text: string): RegExp {
  const lines = readFileSync(join('circuits', file), 'utf8').split('\n')
  const line = lines.findIndex((l) => l.includes(text)) + 1
  if (line === 0) throw new Error(`${text} not found in ${file}`)
  return new RegExp(`failed in ${template}:${line}( |$)`)
}
const SLOT = at('attribution.circom', 'Attribution', 'payoutSlot[i] ===')
const QUERY = at('attribution.circom', 'Attribution', 'query.leaf === queryCommitment')
const ORDER = at('attribution.circom', 'Attribution', 'active[i] * (1 - increasing[i].out)')
const ACTIVE_FIRST = at('attribution.circom', 'Attribution', 'active[i] * (1 - active[i - 1])')
const DATANET_ROOT = at('lib/attributionCandidate.circom', 'AttributionCandidate', 'active * (datanetPath.root - datanetRoot)')
const INDEX_ROOT = at('lib/attributionCandidate.circom', 'AttributionCandidate', 'active * (indexPath.root - indexRoot)')
const EMPTY_SCORE = at('lib/attributionCandidate.circom', 'AttributionCandidate', '(1 - active) * dot.out')
const EMPTY_CONTRIBUTOR = at('lib/attributionCandidate.circom', 'AttributionCandidate', '(1 - active) * contributor')
const QUATERNARY_POSITION = /failed in QuaternaryChild:\d+ < QuaternaryMerkleRoot:\d+ < AttributionCandidate/
const FEATURE_RANGE = /failed in Num2Bits:\d+ < PackedFeatureHash:\d+ < AttributionCandidate/
const QUERY_RANGE = /failed in Num2Bits:\d+ < PackedFeatureHash:\d+ < Attribution:/
const THRESHOLD = at('attribution.circom', 'Attribution', 'threshold === paidThreshold.threshold')
const NOT_POSITIVE = at('attribution.circom', 'Attribution', 'active[i] * (inverted[i] - 1) === 0')
const PAID_LEAVES = at('attribution.circom', 'Attribution', 'paidLeavesHash === paidLeaves.hash')
const ADDRESS_RANGE = /failed in Num2Bits:\d+ < RecordLeaf/

/** The witness calculator refuses the input (an assertion or a range check inside the circuit). */
async function expectRejected(input: Record<string, unknown>, where: RegExp): Promise<void> {
  const error = await h.witness(input).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(WitnessUnsatisfiedError)
  expect((error as Error).message).toMatch(where)
}

describe('attribution circuit soundness (tiny: K=3, k=8, depth 8)', () => {
  it('accepts honest witnesses for random datanets, queries and candidate counts', async () => {
    for (const [seed, count] of [[11, 3], [12, 2], [13, 1], [14, 0], [15, 3]] as const) {
      const { witness, built } = await honest(seed, { candidateCount: count, records: 40 })
      expect(h.satisfies(witness), `seed ${seed}`).toBe(true)
      built.publicSignals.forEach((s, i) => expect(witness[1 + i], `seed ${seed} public ${i}`).toBe(s))
    }
  })

  it('rejects a wrong score (one dot-product term off by one)', async () => {
    const { witness } = await honest(21)
    const name = 'main.candidates[1].dot.products[0]'
    expect(h.satisfies(h.tamper(witness, { [name]: h.read(witness, name) + 1n }))).toBe(false)
  })

  it('rejects a payout off by one, in the witness and in the public slot', async () => {
    const { witness, built } = await honest(22)
    const i = built.payouts.findIndex((p) => p > 0n)
    const q = built.payouts[i]
    // Keep pool * s = q * S + r balanced: q + 1 needs r - S, which no remainder range admits.
    const r = h.read(witness, `main.split.remainder[${i}]`)
    const total = built.scores.reduce((a, s) => a + (s > 0n ? s : 0n), 0n)
    const bad = h.tamper(witness, { ...h.bits(`main.split.payoutBits[${i}]`, q + 1n, 93), [`main.split.remainder[${i}]`]: r - total })
    expect(h.satisfies(bad)).toBe(false)
    const slots = built.input.payoutSlot as bigint[]
    const input = { ...built.input, payoutSlot: slots.map((s, j) => (j === i ? s + (1n << 160n) : s)) }
    await expectRejected(input, SLOT)
    const lower = { ...built.input, payoutSlot: slots.map((s, j) => (j === i ? s - (1n << 160n) : s)) }
    await expectRejected(lower, SLOT)
  })

  it('rejects remainder = S even when every other wire is made consistent', async () => {
    const { witness, built } = await honest(23)
    const i = built.payouts.findIndex((p) => p > 0n)
    const total = built.scores.reduce((a, s) => a + (s > 0n ? s : 0n), 0n)
    const q = built.payouts[i] - 1n
    const r = h.read(witness, `main.split.remainder[${i}]`) + total
    const paid = built.payouts.reduce((a, b) => a + b, 0n) - 1n
    const contributor = (built.input.contributor as bigint[])[i]
    const bad = h.tamper(witness, {
      ...h.bits(`main.split.payoutBits[${i}]`, q, 93),
      [`main.split.remainder[${i}]`]: r,
      ...h.bits(`main.split.remainderBits[${i}]`, r, SBITS),
      ...h.bits(`main.split.remainderBelow[${i}].n2b`, r + (1n << BigInt(SBITS)) - total, SBITS + 1),
      ...h.bits('main.split.leftover', built.publicInputs.pool - paid, 96),
      [`main.payoutSlot[${i}]`]: packPayoutSlot(contributor, q),
    })
    expect(h.satisfies(bad)).toBe(false)
    // The same witness with the honest LessThan bits restored still fails: they no longer sum up.
    expect(h.satisfies(h.tamper(bad, h.bits(`main.split.remainderBelow[${i}].n2b`, h.read(witness, `main.split.remainder[${i}]`), SBITS + 1)))).toBe(false)
  })

  it('rejects a changed sibling in the datanet path and in the 4-ary index path, and a moved path node', async () => {
    const { built, witness } = await honest(24)
    const siblings = (built.input.datanetSiblings as bigint[][]).map((row) => row.slice())
    siblings[1][5] += 1n
    await expectRejected({ ...built.input, datanetSiblings: siblings }, DATANET_ROOT)
    expect(h.satisfies(h.tamper(witness, { 'main.datanetSiblings[1][5]': siblings[1][5] }))).toBe(false)
    // Index path of slot 1, level 2: a sibling (not the path node) changed. As given, the next
    // level no longer holds the path node; with every level above recomputed, the root moves.
    const leafIndex = Number((built.input.leafIndex as bigint[])[1])
    const sibling = (((leafIndex >> 4) & 3) + 1) % 4
    const children = (built.input.indexChildren as bigint[][][]).map((slot) => slot.map((level) => level.slice()))
    children[1][2][sibling] += 1n
    await expectRejected({ ...built.input, indexChildren: children }, QUATERNARY_POSITION)
    expect(h.satisfies(h.tamper(witness, { [`main.indexChildren[1][2][${sibling}]`]: children[1][2][sibling] }))).toBe(false)
    const p = await getPoseidon()
    for (let l = 3; l < children[1].length; l++) children[1][l][(leafIndex >> (2 * l)) & 3] = p.hash(children[1][l - 1])
    await expectRejected({ ...built.input, indexChildren: children }, INDEX_ROOT)
    // The path node swapped with a sibling: it is no longer at the position leafIndex names.
    const moved = (built.input.indexChildren as bigint[][][]).map((slot) => slot.map((level) => level.slice()))
    const level = moved[1][0]
    const [a, b] = [leafIndex & 3, (leafIndex + 1) & 3]
    ;[level[a], level[b]] = [level[b], level[a]]
    expect(level[a]).not.toBe(level[b])
    await expectRejected({ ...built.input, indexChildren: moved }, QUATERNARY_POSITION)
  })

  it('rejects a changed candidate feature and a changed query feature', async () => {
    const { built } = await honest(25)
    const features = (built.input.features as bigint[][]).map((row) => row.slice())
    features[0][3] = signedToField(((features[0][3] + 1n) % 100n))
    // Another feature hash, so another index leaf: no longer the node the path's first level holds.
    await expectRejected({ ...built.input, features }, QUATERNARY_POSITION)
    const queryFeatures = (built.input.queryFeatures as bigint[]).slice()
    queryFeatures[7] = signedToField(-5n) === queryFeatures[7] ? 5n : signedToField(-5n)
    await expectRejected({ ...built.input, queryFeatures }, QUERY)
  })

  it('rejects an active slot that scores 0 or below, even paid 0 with a consistent threshold and paid leaves', async () => {
    // Slots a prover fills with records it pays nothing would hide the paid leaves from a challenger.
    // Record 3 scores the most negative a slot can (-k (2^15 - 1)^2), record 5 scores 0.
    const max = new Array<bigint>(TINY_PARAMS.featureCount).fill(FEATURE_BOUND)
    const parameters = await randomScenario({ params: TINY_PARAMS, seed: 26, queryFeatures: max, candidateIndices: [1, 3, 5], featuresOf: (i) => (i === 3 ? max.map((x) => -x) : i === 5 ? max.map(() => 0n) : max) })
    const { built, witness } = await honest(26, { queryFeatures: max, candidateIndices: [1], featuresOf: (i) => (i === 3 ? max.map((x) => -x) : i === 5 ? max.map(() => 0n) : max) })
    expect(h.satisfies(witness)).toBe(true)
    for (const record of parameters.candidates.slice(1)) {
      const slots = [parameters.candidates[0], record]
      const input = {
        ...built.input,
        paidLeavesHash: await paidLeavesHash({ candidateSlots: K, leafIndices: slots.map((c) => c.leafIndex) }),
        payoutSlot: [(built.input.payoutSlot as bigint[])[0], packPayoutSlot(addressToField(record.contributor), 0n), 0n],
        active: [1n, 1n, 0n],
        leafIndex: [1n, BigInt(record.leafIndex), 0n],
        contributor: [(built.input.contributor as bigint[])[0], addressToField(record.contributor), 0n],
        contentHash: [(built.input.contentHash as bigint[])[0], record.contentHash, 0n],
        labelHash: [(built.input.labelHash as bigint[])[0], record.labelHash, 0n],
        datanetSiblings: [(built.input.datanetSiblings as bigint[][])[0], record.datanetProof.siblings.slice(), (built.input.datanetSiblings as bigint[][])[2]],
        indexChildren: [(built.input.indexChildren as bigint[][][])[0], record.indexProof.children.map((c) => c.slice()), (built.input.indexChildren as bigint[][][])[2]],
        features: [(built.input.features as bigint[][])[0], record.features.map(signedToField), (built.input.features as bigint[][])[2]],
      }
      // Every other check holds (both roots open, order, payouts, threshold 0 with an empty slot, paid
      // leaves): only the new rule refuses it.
      await expectRejected(input, NOT_POSITIVE)
    }
    // Claiming a paid record's positive score negative (its sign bit flipped) to pay it nothing.
    expect(h.satisfies(h.tamper(witness, { 'main.candidates[0].positive.range.isNonNegative': 0n }))).toBe(false)
  })

  it('rejects features that alias the packing (a feature of 2^15 borrowed from its neighbour)', async () => {
    // u_t + 2^16 * u_{t+1} is unchanged by (phi_t + 2^16, phi_{t+1} - 1): same feature hash, same
    // index leaf, but another score. Only SignedRange's 16-bit bound stops it.
    const { built } = await honest(27)
    const features = (built.input.features as bigint[][]).map((row) => row.slice())
    const signed = fieldToSigned
    const t = 2
    const a = signed(features[0][t])
    const b = signed(features[0][t + 1])
    const shifted = [a + (1n << 16n), b - 1n]
    // Same packed element, so the same index leaf: the Merkle proofs still hold.
    expect((a + 32768n) + ((b + 32768n) << 16n)).toBe((shifted[0] + 32768n) + ((shifted[1] + 32768n) << 16n))
    features[0][t] = signedToField(shifted[0])
    features[0][t + 1] = signedToField(shifted[1])
    const scores = computeScoresUnchecked(features.map((r) => r.map(signed)), (built.input.queryFeatures as bigint[]).map(signed))
    const split = splitRewards({ pool: built.publicInputs.pool, scores })
    const contributors = built.input.contributor as bigint[]
    await expectRejected({ ...built.input, features, payoutSlot: contributors.map((c, i) => packPayoutSlot(c, split.payouts[i])) }, FEATURE_RANGE)
  })

  it('rejects a threshold above or below the smallest paid score, and a nonzero one with an empty slot', async () => {
    // Seed 34: three positive scores, so the threshold is the smallest of them.
    const query = randomFeatures(rng(34), TINY_PARAMS.featureCount)
    const { built, witness } = await honest(34, { queryFeatures: query, featuresOf: (i, next) => randomFeatures(next, TINY_PARAMS.featureCount).map((x, t) => (x < 0n ? -x : x) * (query[t] < 0n ? -1n : 1n)) })
    const min = built.scores.reduce((a, b) => (b < a ? b : a))
    expect(min > 0n).toBe(true)
    expect(built.publicInputs.threshold).toBe(min)
    for (const threshold of [min + 1n, min - 1n, 0n]) {
      await expectRejected({ ...built.input, threshold }, THRESHOLD)
      expect(h.satisfies(h.tamper(witness, { 'main.threshold': threshold }))).toBe(false)
    }
    // One empty slot: the threshold is 0, and any other value fails (here the smallest paid score).
    const two = await honest(35, { candidateCount: 2 })
    expect(two.built.publicInputs.threshold).toBe(0n)
    const paidMin = two.built.scores.map((x) => (x > 0n ? x : 0n)).reduce((a, b) => (b < a ? b : a))
    for (const threshold of [1n, paidMin > 0n ? paidMin : 2n]) await expectRejected({ ...two.built.input, threshold }, THRESHOLD)
  })

  it('rejects a paidLeavesHash of other leaves: another record, leaf 0 for an empty slot, or no + 1', async () => {
    const p = await getPoseidon()
    const { built, witness } = await honest(36, { candidateCount: 2, records: 40 })
    const leaves = (built.input.leafIndex as bigint[]).slice(0, 2)
    expect(built.publicInputs.paidLeavesHash).toBe(p.hash([leaves[0] + 1n, leaves[1] + 1n, 0n]))
    const others = [p.hash([leaves[0] + 1n, leaves[1] + 2n, 0n]), p.hash([leaves[0] + 1n, leaves[1] + 1n, 1n]), p.hash([leaves[0], leaves[1], 0n]), built.publicInputs.paidLeavesHash + 1n]
    for (const paidLeavesHash of others) {
      await expectRejected({ ...built.input, paidLeavesHash }, PAID_LEAVES)
      expect(h.satisfies(h.tamper(witness, { 'main.paidLeavesHash': paidLeavesHash }))).toBe(false)
    }
  })

  it('rejects a query feature of 2^15 even when the commitment is computed over it', async () => {
    const { built } = await honest(28)
    const p = await getPoseidon()
    const queryFeatures = (built.input.queryFeatures as bigint[]).slice()
    queryFeatures[0] = 1n << 15n
    const packed = queryFeatures.reduceRight((acc, f) => (acc << 16n) + (fieldToSigned(f) + 32768n), 0n)
    const commitment = p.hash([built.input.inputHash as bigint, p.hash([packed])])
    await expectRejected({ ...built.input, queryFeatures, queryCommitment: commitment }, QUERY_RANGE)
  })

  it('rejects a contributor of 2^160 and more, even inside a tree built over it', async () => {
    const p = await getPoseidon()
    const params = TINY_PARAMS
    const contributor = (1n << 160n) + 7n
    const contentHash = 12345n
    const features = randomFeatures(rng(29), params.featureCount)
    const leaf = p.hash([contributor, contentHash, 0n])
    const datanet = await buildMerkleTree({ leaves: [leaf], depth: params.treeDepth })
    const index = await buildQuaternaryTree({ leaves: [p.hash([leaf, await featureHash(features)])], levels: quaternaryLevels(params.treeDepth) })
    const base = await buildAttributionWitness(await randomScenario({ params, seed: 29, candidateCount: 0 }))
    const query = (base.input.queryFeatures as bigint[])
    const input = {
      ...base.input,
      datanetRoot: datanet.root,
      indexRoot: index.root,
      active: [1n, 0n, 0n],
      contributor: [contributor, 0n, 0n],
      contentHash: [contentHash, 0n, 0n],
      datanetSiblings: [getMerkleProof(datanet, 0).siblings.slice(), ...(base.input.datanetSiblings as bigint[][]).slice(1)],
      indexChildren: [getQuaternaryProof(index, 0).children.map((l) => l.slice()), ...(base.input.indexChildren as bigint[][][]).slice(1)],
      features: [features.map(signedToField), ...(base.input.features as bigint[][]).slice(1)],
    }
    const signedQuery = query.map((f) => fieldToSigned(f))
    const [score] = computeScores({ candidateFeatures: [features], queryFeatures: signedQuery })
    const { payouts } = splitRewards({ pool: base.publicInputs.pool, scores: [score] })
    await expectRejected({ ...input, payoutSlot: [contributor + (payouts[0] << 160n), 0n, 0n] }, ADDRESS_RANGE)
  })

  it('rejects a tampered labelHash: another label, no label, or a labelled record claimed unlabelled', async () => {
    const { built, witness } = await honest(32, { records: 40 })
    const labels = built.input.labelHash as bigint[]
    // Slot by slot: the label is part of the leaf, so the datanet root comparison is what fails.
    for (const [i, changed] of [[0, labelHash('relabelled')], [1, labels[1] === 0n ? labelHash('spam') : 0n]] as const) {
      await expectRejected({ ...built.input, labelHash: labels.map((x, j) => (j === i ? changed : x)) }, DATANET_ROOT)
      expect(h.satisfies(h.tamper(witness, { [`main.labelHash[${i}]`]: changed }))).toBe(false)
    }
  })

  it('refuses a witness made with a record\'s old label against the root that commits its new label', async () => {
    const { parameters, built } = await honest(33, { records: 40 })
    // The owner relabels candidate 1's record: only its leaf changes, so the new root is its path's.
    const c = parameters.candidates[1]
    const relabelled = await recordLeaf({ contributor: c.contributor, contentHash: c.contentHash, labelHash: labelHash('relabelled') })
    const newRoot = await computeMerkleRoot({ leaf: relabelled, leafIndex: c.leafIndex, siblings: c.datanetProof.siblings })
    expect(newRoot).not.toBe(built.publicInputs.datanetRoot)
    // The old labels' witness cannot prove against the new root: the TS builder refuses it first,
    // and the circuit refuses it when forced.
    await expect(buildAttributionWitness({ ...parameters, datanetRoot: newRoot })).rejects.toThrow(CandidateProofError)
    await expectRejected({ ...built.input, datanetRoot: newRoot }, DATANET_ROOT)
  })

  it('rejects a duplicate candidate, a decreasing order and a gap before an active slot', async () => {
    const { built } = await honest(30)
    const input = built.input
    const copy = <T>(key: string, from: number, to: number) => (input[key] as T[]).map((v, i) => (i === to ? (input[key] as T[])[from] : v))
    const keys = ['leafIndex', 'contributor', 'contentHash', 'labelHash', 'datanetSiblings', 'indexChildren', 'features', 'payoutSlot']
    // Slot 1 := slot 0 (the same record twice), slots recomputed for the doubled score.
    const dup: Record<string, unknown> = { ...input }
    for (const key of keys) dup[key] = copy(key, 0, 1)
    const scores = [built.scores[0], built.scores[0], built.scores[2]]
    const split = splitRewards({ pool: built.publicInputs.pool, scores })
    const contributors = dup.contributor as bigint[]
    dup.payoutSlot = contributors.map((c, i) => packPayoutSlot(c, split.payouts[i]))
    await expectRejected(dup, ORDER)
    // Swapped order: the same records, leafIndex decreasing.
    const swapped: Record<string, unknown> = { ...input }
    for (const key of keys) swapped[key] = (input[key] as unknown[]).map((v, i) => (i === 0 ? (input[key] as unknown[])[1] : i === 1 ? (input[key] as unknown[])[0] : v))
    await expectRejected(swapped, ORDER)
    // A gap: slot 0 inactive while slot 1 is active.
    const two = await honest(31, { candidateCount: 2 })
    const gap: Record<string, unknown> = { ...two.built.input }
    for (const key of keys) gap[key] = (two.built.input[key] as unknown[]).map((v, i) => (i === 0 ? (two.built.input[key] as unknown[])[2] : i === 2 ? (two.built.input[key] as unknown[])[0] : v))
    gap.active = [0n, 1n, 1n]
    await expectRejected(gap, ACTIVE_FIRST)
  })

  it('rejects an inactive slot that names a contributor or carries a score', async () => {
    const { built, witness } = await honest(32, { candidateCount: 2 })
    const address = getAddress('0x00000000000000000000000000000000000000aa')
    const contributor = BigInt(address)
    const zeros = new Array<bigint>(TINY_PARAMS.featureCount).fill(0n)
    // Each attack also carries a consistent padding path for the changed empty slot, so the check
    // that fires is the one under test, not the index path's position check.
    const withPadding = async (c: string, features: bigint[]) => {
      const leaf = await indexLeaf({ recordLeaf: await recordLeaf({ contributor: c, contentHash: 0n, labelHash: 0n }), features })
      const children = (built.input.indexChildren as bigint[][][]).slice()
      children[2] = await paddingQuaternaryChildren(leaf, 0, quaternaryLevels(TINY_PARAMS.treeDepth))
      return children
    }
    await expectRejected({
      ...built.input,
      contributor: [...(built.input.contributor as bigint[]).slice(0, 2), contributor],
      payoutSlot: [...(built.input.payoutSlot as bigint[]).slice(0, 2), contributor],
      indexChildren: await withPadding(address, zeros),
    }, EMPTY_CONTRIBUTOR)
    const features = (built.input.features as bigint[][]).map((r) => r.slice())
    features[2] = features[0].slice()
    await expectRejected({ ...built.input, features, indexChildren: await withPadding('0x0000000000000000000000000000000000000000', features[2].map(fieldToSigned)) }, EMPTY_SCORE)
    expect(h.satisfies(h.tamper(witness, { 'main.active[2]': 2n }))).toBe(false)
  })
})

/** A dot product without the range check, for building attack inputs the TS reference refuses. */
function computeScoresUnchecked(candidateFeatures: bigint[][], queryFeatures: bigint[]): bigint[] {
  return candidateFeatures.map((f) => f.reduce((acc, x, t) => acc + x * queryFeatures[t], 0n))
}

describe('challenge circuit soundness (tiny: K=3, k=8, depth 8)', () => {
  let c: CircuitHarness
  let scenario: Awaited<ReturnType<typeof challengeScenario>>
  beforeAll(async () => {
    c = await loadHarness(TINY_CHALLENGE_SPEC)
    scenario = await challengeScenario(40, TINY_PARAMS)
  })

  const NOT_PAID = at('challenge.circom', 'Challenge', 'inverse[i] * (leafIndex + 1 - paid[i]) === 1')
  const PAID_HASH = at('challenge.circom', 'Challenge', 'paidHash.out === paidLeavesHash')
  const CHALLENGE_QUERY = at('challenge.circom', 'Challenge', 'query.leaf === queryCommitment')
  const line = (file: string, text: string) => readFileSync(join('circuits', file), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1
  const ABOVE = new RegExp(`failed in Num2Bits:\\d+ < Challenge:${line('challenge.circom', 'above.in <==')}( |$)`)
  const THRESHOLD_RANGE = new RegExp(`failed in Num2Bits:\\d+ < Challenge:${line('challenge.circom', 'thresholdBits.in <==')}( |$)`)
  const RECORD_ROOT = new RegExp(`failed in AttributionCandidate:${line('lib/attributionCandidate.circom', 'active * (datanetPath.root - datanetRoot)')} < Challenge:`)
  const INDEX_ROOT_OF_RECORD = new RegExp(`failed in AttributionCandidate:${line('lib/attributionCandidate.circom', 'active * (indexPath.root - indexRoot)')} < Challenge:`)

  /** The challenge input of record j, built by the TS builder when honest, else by hand (what a cheating challenger would feed). */
  async function challengeOf(j: number, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const { all, paid, settlement } = scenario
    const base = await buildChallengeInput({
      params: TINY_PARAMS, challengeId: 99n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query,
      record: all.candidates[scenario.byScore[0].i],
      settlement: { threshold: settlement.publicInputs.threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
    })
    const r = all.candidates[j]
    return {
      ...base.input,
      leafIndex: BigInt(j), contributor: BigInt(r.contributor), contentHash: r.contentHash, labelHash: r.labelHash,
      datanetSiblings: r.datanetProof.siblings.slice(), indexChildren: r.indexProof.children.map((l) => l.slice()), features: r.features.map(signedToField),
      ...overrides,
    }
  }
  async function rejected(input: Record<string, unknown>, where: RegExp) {
    const error = await c.witness(input).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(WitnessUnsatisfiedError)
    expect((error as Error).message).toMatch(where)
  }

  it('accepts an omitted record scoring above the settlement threshold, and the TS builder agrees', async () => {
    const { byScore, settlement, all, paid } = scenario
    const threshold = settlement.publicInputs.threshold
    expect(threshold).toBe(byScore[7].score)
    expect(threshold > 0n).toBe(true)
    for (const { i } of byScore.slice(0, 5)) {
      const built = await buildChallengeInput({
        params: TINY_PARAMS, challengeId: 99n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[i],
        settlement: { threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
      })
      const witness = await c.witness(built.input)
      expect(c.satisfies(witness), `record ${i}`).toBe(true)
      built.publicSignals.forEach((s, n) => expect(witness[1 + n]).toBe(s))
    }
  })

  it('rejects a paid record, a record at the threshold, one below it and one with a negative score', async () => {
    const { byScore, paid, settlement, scores } = scenario
    for (const j of paid) await rejected(await challengeOf(j), NOT_PAID)
    // The record whose score is the threshold: paid here, so unpaid at a threshold equal to its score instead.
    const top = byScore[0]
    await rejected(await challengeOf(top.i, { threshold: top.score }), ABOVE)
    await rejected(await challengeOf(top.i, { threshold: top.score + 1n }), ABOVE)
    const below = byScore.find((s) => !paid.includes(s.i) && s.score < settlement.publicInputs.threshold && s.score > 0n)!
    await rejected(await challengeOf(below.i), ABOVE)
    const negative = scores.findIndex((s) => s < 0n)
    expect(negative).toBeGreaterThanOrEqual(0)
    await rejected(await challengeOf(negative, { threshold: 0n, paidLeavesHash: settlement.publicInputs.paidLeavesHash }), ABOVE)
    // The TS builder refuses the same claims before any proving.
    const all = scenario.all
    const make = (j: number, threshold = settlement.publicInputs.threshold) => buildChallengeInput({
      params: TINY_PARAMS, challengeId: 99n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[j],
      settlement: { threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
    })
    await expect(make(paid[0])).rejects.toThrow(ChallengeNotAFaultError)
    await expect(make(top.i, top.score)).rejects.toThrow(/is not above the settlement's threshold/)
    await expect(make(below.i)).rejects.toThrow(ChallengeNotAFaultError)
  })

  it('rejects paid values that do not open paidLeavesHash (hiding the record among them)', async () => {
    const { byScore, paid } = scenario
    const j = byScore[0].i
    // Claiming the settlement paid other leaves than it did: the hash no longer matches.
    await rejected(await challengeOf(j, { paid: [BigInt(paid[0]) + 1n, BigInt(paid[1]) + 1n, 0n] }), PAID_HASH)
  })

  it('rejects a wrong datanet path, another datanet root, another index root and a tampered query feature', async () => {
    const j = scenario.byScore[0].i
    const honest = await challengeOf(j)
    const siblings = (honest.datanetSiblings as bigint[]).slice()
    siblings[2] += 1n
    await rejected({ ...honest, datanetSiblings: siblings }, RECORD_ROOT)
    await rejected({ ...honest, datanetRoot: (honest.datanetRoot as bigint) + 1n }, RECORD_ROOT)
    await rejected({ ...honest, indexRoot: (honest.indexRoot as bigint) + 1n }, INDEX_ROOT_OF_RECORD)
    // A threshold past the score width cannot stand for a settlement's: refused by its range check.
    await rejected({ ...honest, threshold: 1n << 40n }, THRESHOLD_RANGE)
    // Another record's opening at j's position: the leaf is not the one the path leads from.
    await rejected({ ...honest, leafIndex: BigInt(scenario.byScore[1].i) }, /failed in (AttributionCandidate|QuaternaryChild):\d+/)
    const queryFeatures = (honest.queryFeatures as bigint[]).slice()
    queryFeatures[1] = signedToField(fieldToSigned(queryFeatures[1]) === 100n ? 101n : 100n)
    await rejected({ ...honest, queryFeatures }, CHALLENGE_QUERY)
    const witness = await c.witness(honest)
    expect(c.satisfies(c.tamper(witness, { 'main.queryFeatures[1]': queryFeatures[1] }))).toBe(false)
    expect(c.satisfies(c.tamper(witness, { 'main.threshold': scenario.byScore[0].score }))).toBe(false)
  })
})
