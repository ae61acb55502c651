import { getAddress } from 'ethers'
import { buildMerkleTree, buildQuaternaryTree, getMerkleProof, getQuaternaryProof, quaternaryLevels } from '../prover/merkle/index.ts'
import { labelHash, recordLeaf } from '../prover/datanet/recordLeaf.ts'
import { FEATURE_BOUND, indexLeaf } from '../prover/index/featureHash.ts'
import { buildAttributionWitness, computeScores, type AttributionCandidateInput, type AttributionParams, type BuildAttributionWitnessParameters } from '../prover/witness/index.ts'

/** A seeded PRNG, so every random scenario can be replayed from its printed seed. */
import { mulberry32 } from '../prover/dataset/mulberry32.ts'

export const rng = mulberry32

export function randomBigint(next: () => number, bits: number): bigint {
  let x = 0n
  for (let i = 0; i < bits; i += 16) x = (x << 16n) | BigInt(Math.floor(next() * 65536))
  return x & ((1n << BigInt(bits)) - 1n)
}

export function randomFeatures(next: () => number, k: number, bound = FEATURE_BOUND): bigint[] {
  return Array.from({ length: k }, () => BigInt(Math.floor(next() * Number(2n * bound + 1n))) - bound)
}

export type ScenarioOptions = {
  params: AttributionParams
  seed: number
  records?: number
  /** Leaf indices of the candidates (strictly increasing); default: random distinct ones that score above 0. */
  candidateIndices?: number[]
  candidateCount?: number
  /** Override features per record index (e.g. to force negative scores). */
  featuresOf?: (index: number, next: () => number) => bigint[]
  queryFeatures?: bigint[]
  pool?: bigint
}

/** Record i of a scenario: unlabelled when i % 3 = 0 (labelHash 0), else labelled "spam" or "ham". */
export function scenarioLabelHash(i: number): bigint {
  return i % 3 === 0 ? 0n : labelHash(i % 2 === 0 ? 'spam' : 'ham')
}

/**
 * A random datanet + index of `records` records, a query and a candidate set, as the witness
 * builder's parameters (real Poseidon trees, real proofs).
 */
export async function randomScenario(options: ScenarioOptions): Promise<BuildAttributionWitnessParameters> {
  const { params, seed } = options
  const next = rng(seed)
  const n = options.records ?? Math.min(2 ** params.treeDepth, 20)
  const contributors = Array.from({ length: n }, () => getAddress(`0x${randomBigint(next, 160).toString(16).padStart(40, '0')}`))
  const contentHashes = Array.from({ length: n }, () => randomBigint(next, 248))
  const features = Array.from({ length: n }, (_, i) => options.featuresOf?.(i, next) ?? randomFeatures(next, params.featureCount))
  // Labels take no draws from `next`, so seeded scenarios keep their contributors, hashes and features.
  const labelHashes = Array.from({ length: n }, (_, i) => scenarioLabelHash(i))
  const leaves = await Promise.all(contributors.map((contributor, i) => recordLeaf({ contributor, contentHash: contentHashes[i], labelHash: labelHashes[i] })))
  const indexLeaves = await Promise.all(leaves.map((leaf, i) => indexLeaf({ recordLeaf: leaf, features: features[i] })))
  const datanet = await buildMerkleTree({ leaves, depth: params.treeDepth })
  const index = await buildQuaternaryTree({ leaves: indexLeaves, levels: quaternaryLevels(params.treeDepth) })
  const settlementId = randomBigint(next, 248)
  const inputHash = randomBigint(next, 248)
  const queryFeatures = options.queryFeatures ?? randomFeatures(next, params.featureCount)
  const pool = options.pool ?? 10n ** 18n * BigInt(1 + Math.floor(next() * 1000))
  let indices = options.candidateIndices
  if (!indices) {
    // Random records among those that score above 0: the only ones a slot may hold.
    const scores = computeScores({ candidateFeatures: features, queryFeatures })
    const positive = scores.flatMap((s, i) => (s > 0n ? [i] : []))
    const count = options.candidateCount ?? params.candidateSlots
    if (positive.length < count) throw new Error(`seed ${seed}: only ${positive.length} of ${n} records score above 0, ${count} candidates asked`)
    const set = new Set<number>()
    while (set.size < count) set.add(positive[Math.floor(next() * positive.length)])
    indices = [...set].sort((a, b) => a - b)
  }
  const candidates: AttributionCandidateInput[] = indices.map((i) => ({
    leafIndex: i,
    contributor: contributors[i],
    contentHash: contentHashes[i],
    labelHash: labelHashes[i],
    features: features[i],
    datanetProof: getMerkleProof(datanet, i),
    indexProof: getQuaternaryProof(index, i),
  }))
  return { params, settlementId, datanetRoot: datanet.root, indexRoot: index.root, query: { inputHash, features: queryFeatures }, pool, candidates }
}

export async function randomWitness(options: ScenarioOptions) {
  const parameters = await randomScenario(options)
  return { parameters, witness: await buildAttributionWitness(parameters) }
}

/**
 * A settlement that paid three middling records of a 40-record datanet (so records above its
 * threshold were left out), with every record's opening under the same roots and query: seeded
 * scenarios with explicit candidate indices draw the same datanet, query and pool.
 */
export async function challengeScenario(seed: number, params: AttributionParams) {
  const records = 40
  const all = await randomScenario({ params, seed, records, candidateIndices: Array.from({ length: records }, (_, i) => i) })
  const scores = computeScores({ candidateFeatures: all.candidates.map((c) => c.features), queryFeatures: all.query.features })
  // Score descending, ties by lower position (the prover's rule).
  const byScore = scores.map((score, i) => ({ i, score })).sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : a.i - b.i))
  const paid = byScore.slice(5, 8).map((s) => s.i).sort((a, b) => a - b)
  const settlement = await buildAttributionWitness({ ...all, candidates: paid.map((i) => all.candidates[i]) })
  return { all, scores, byScore, paid, settlement }
}
