import { ZeroAddress } from 'ethers'
import { fieldToAddress, toFr } from '../field/index.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { paddingQuaternaryChildren, quaternaryLevels } from '../merkle/index.ts'
import { recordLeaf } from '../datanet/recordLeaf.ts'
import { checkFeatures, indexLeaf, queryCommitment as commitQuery } from '../index/featureHash.ts'
import type { AttributionParams } from './attributionParams.ts'
import { computeScores } from './computeScores.ts'
import { splitRewards } from './splitRewards.ts'
import { signedToField } from './fieldEncoding.ts'
import { packPayoutSlot } from './payoutSlot.ts'
import { paidThreshold } from './paidThreshold.ts'
import { MAX_CANDIDATE_SLOTS, paidLeavesHash } from './paidLeaves.ts'
import { CandidateOrderError, CandidateScoreError, WitnessShapeError } from './errors.ts'
import { checkCandidate, type RecordOpening } from './checkCandidate.ts'

/** settlementId is keccak256 >> 8: 248 bits (the circuit only binds it; TS checks the width). */
export const SETTLEMENT_ID_BITS = 248

/** One attributed record: its datanet record, its features and the proofs that open both trees at leafIndex. */
export type AttributionCandidateInput = RecordOpening

export type BuildAttributionWitnessParameters = {
  params: AttributionParams
  settlementId: bigint
  datanetRoot: bigint
  indexRoot: bigint
  query: { inputHash: bigint; features: readonly bigint[] }
  /** Contributor reward pool, OPEN wei, < 2^96. */
  pool: bigint
  /** At most K candidates, in strictly increasing leafIndex order, each scoring above 0. */
  candidates: readonly AttributionCandidateInput[]
}

/** The public inputs, decoded, in circuit order. */
export type AttributionPublicInputs = {
  settlementId: bigint
  datanetRoot: bigint
  indexRoot: bigint
  queryCommitment: bigint
  pool: bigint
  /** The smallest max(score, 0) over the K slots (0 when a slot is empty): what a challenge must beat. */
  threshold: bigint
  /** Poseidon(p_0..p_{K-1}), p_i = leafIndex_i + 1 for a paid slot, 0 for an empty one. */
  paidLeavesHash: bigint
  /** contributor + payout * 2^160 per slot; 0 for an empty slot. */
  payoutSlots: bigint[]
}

/** The circuit's input signals: field elements (negative features as r - |x|), keyed by signal name. */
export type AttributionCircuitInput = Record<string, bigint | bigint[] | bigint[][] | bigint[][][]>

export type BuildAttributionWitnessReturnType = {
  input: AttributionCircuitInput
  publicInputs: AttributionPublicInputs
  /** The public signals in circuit order, as snarkjs returns them. */
  publicSignals: bigint[]
  /** TS reference, per candidate (not per slot): exact signed scores, payouts, checksummed contributors. */
  scores: bigint[]
  payouts: bigint[]
  contributors: string[]
  undistributed: bigint
}

/**
 * Build the attribution circuit's input from the influence engine's outputs (datanet and index
 * proofs, candidate records and features, the query) and the TS reference of scores and payouts.
 * Everything is validated here, so a witness that the circuit would reject fails early with an
 * error naming the input. Empty slots (fewer than K candidates) are padded with active = 0, zero
 * features, contributor 0, contentHash 0, labelHash 0, leafIndex 0 and zero siblings: the circuit skips their root comparisons
 * and pays them 0. Their 4-ary index path must still place each node at its position (that check
 * is not gated), so it is the padding leaf's own path with zero siblings.
 */
export async function buildAttributionWitness(parameters: BuildAttributionWitnessParameters): Promise<BuildAttributionWitnessReturnType> {
  const { params, candidates, query } = parameters
  const { candidateSlots: K, featureCount: k, treeDepth: depth } = params
  const levels = quaternaryLevels(depth)
  const settlementId = toFr(parameters.settlementId, 'settlementId')
  if (settlementId >= 1n << BigInt(SETTLEMENT_ID_BITS)) {
    throw new ValueOutOfRangeError({ where: 'settlementId', value: settlementId, min: 0n, max: (1n << BigInt(SETTLEMENT_ID_BITS)) - 1n })
  }
  const datanetRoot = toFr(parameters.datanetRoot, 'datanetRoot')
  const indexRoot = toFr(parameters.indexRoot, 'indexRoot')
  const inputHash = toFr(query.inputHash, 'query.inputHash')
  if (K > MAX_CANDIDATE_SLOTS) throw new WitnessShapeError({ where: 'params.candidateSlots', expected: `at most ${MAX_CANDIDATE_SLOTS} (Poseidon takes 16 inputs)`, got: K })
  if (candidates.length > K) throw new WitnessShapeError({ where: 'candidates', expected: `at most ${K} (the circuit's slots)`, got: candidates.length })
  if (query.features.length !== k) throw new WitnessShapeError({ where: 'query.features', expected: `${k} features`, got: query.features.length })
  checkFeatures(query.features, 'query.features')

  const contributors: bigint[] = []
  for (const [i, c] of candidates.entries()) {
    if (i > 0 && c.leafIndex <= candidates[i - 1].leafIndex) {
      throw new CandidateOrderError({ index: i, leafIndex: c.leafIndex, previous: candidates[i - 1].leafIndex })
    }
    contributors.push(await checkCandidate(`candidates[${i}]`, c, { params, datanetRoot, indexRoot }))
  }

  const scores = computeScores({ candidateFeatures: candidates.map((c) => c.features), queryFeatures: query.features })
  scores.forEach((score, i) => {
    if (score <= 0n) throw new CandidateScoreError({ index: i, leafIndex: candidates[i].leafIndex, score })
  })
  const { payouts, undistributed } = splitRewards({ pool: parameters.pool, scores })
  const pool = parameters.pool
  const commitment = await commitQuery({ inputHash, features: query.features })
  const threshold = paidThreshold({ candidateSlots: K, scores })
  const paidHash = await paidLeavesHash({ candidateSlots: K, leafIndices: candidates.map((c) => c.leafIndex) })

  const zeros = (n: number) => new Array<bigint>(n).fill(0n)
  const padding = K > candidates.length ? await paddingIndexChildren(k, levels) : []
  const slot = <T>(i: number, active: (c: AttributionCandidateInput) => T, empty: T): T => (i < candidates.length ? active(candidates[i]) : empty)
  const payoutSlots = Array.from({ length: K }, (_, i) => (i < candidates.length ? packPayoutSlot(contributors[i], payouts[i]) : 0n))
  const input: AttributionCircuitInput = {
    settlementId,
    datanetRoot,
    indexRoot,
    queryCommitment: commitment,
    pool,
    threshold,
    paidLeavesHash: paidHash,
    payoutSlot: payoutSlots,
    inputHash,
    queryFeatures: query.features.map(signedToField),
    active: Array.from({ length: K }, (_, i) => slot(i, () => 1n, 0n)),
    leafIndex: Array.from({ length: K }, (_, i) => slot(i, (c) => BigInt(c.leafIndex), 0n)),
    contributor: Array.from({ length: K }, (_, i) => (i < candidates.length ? contributors[i] : 0n)),
    contentHash: Array.from({ length: K }, (_, i) => slot(i, (c) => c.contentHash, 0n)),
    labelHash: Array.from({ length: K }, (_, i) => slot(i, (c) => c.labelHash, 0n)),
    datanetSiblings: Array.from({ length: K }, (_, i) => slot(i, (c) => c.datanetProof.siblings.slice(), zeros(depth))),
    indexChildren: Array.from({ length: K }, (_, i) => slot(i, (c) => c.indexProof.children.map((level) => level.slice()), padding)),
    features: Array.from({ length: K }, (_, i) => slot(i, (c) => c.features.map(signedToField), zeros(k))),
  }
  const publicInputs: AttributionPublicInputs = { settlementId, datanetRoot, indexRoot, queryCommitment: commitment, pool, threshold, paidLeavesHash: paidHash, payoutSlots }
  return {
    input,
    publicInputs,
    publicSignals: publicSignalsOf(publicInputs),
    scores,
    payouts,
    contributors: contributors.map((c) => fieldToAddress(c)),
    undistributed,
  }
}

/** The index path of an empty slot: its leaf (contributor 0, contentHash 0, labelHash 0, zero features) at leafIndex 0. */
export async function paddingIndexChildren(k: number, levels: number): Promise<bigint[][]> {
  const record = await recordLeaf({ contributor: ZeroAddress, contentHash: 0n, labelHash: 0n })
  return paddingQuaternaryChildren(await indexLeaf({ recordLeaf: record, features: new Array<bigint>(k).fill(0n) }), 0, levels)
}

/** Public signals in circuit order: settlementId, datanetRoot, indexRoot, queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K]. */
export function publicSignalsOf(p: AttributionPublicInputs): bigint[] {
  return [p.settlementId, p.datanetRoot, p.indexRoot, p.queryCommitment, p.pool, p.threshold, p.paidLeavesHash, ...p.payoutSlots]
}
