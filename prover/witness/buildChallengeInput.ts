import { toFr } from '../field/index.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { checkFeatures, queryCommitment as commitQuery } from '../index/featureHash.ts'
import type { AttributionParams } from './attributionParams.ts'
import { checkCandidate, type RecordOpening } from './checkCandidate.ts'
import { computeScores } from './computeScores.ts'
import { ChallengeNotAFaultError, PaidLeavesMismatchError, WitnessShapeError } from './errors.ts'
import { signedToField } from './fieldEncoding.ts'
import { paidLeafValues, paidLeavesHash as hashPaidLeaves } from './paidLeaves.ts'
import { SETTLEMENT_ID_BITS } from './buildAttributionWitness.ts'

export type BuildChallengeInputParameters = {
  /** The parameters of the settlement's attribution circuit (the challenge circuit takes the same). */
  params: AttributionParams
  /** uint256(keccak256(abi.encode(chainId, settlement, inferenceId, challenger))) >> 8 (`challengeId`). */
  challengeId: bigint
  /** The settlement's datanet and index roots and query commitment are the model's and the inference's: */
  datanetRoot: bigint
  indexRoot: bigint
  /** The query as committed: inputHash and phi_q (the auditor recomputes phi_q from the model). */
  query: { inputHash: bigint; features: readonly bigint[] }
  /** The omitted record: its datanet record, its index features and the openings of both trees. */
  record: RecordOpening
  /** What the settlement's proof made public, and the leaves that open its paidLeavesHash. */
  settlement: {
    threshold: bigint
    paidLeavesHash: bigint
    /** Leaf indices of the paid slots, in slot order (strictly increasing; at most K). */
    paidLeaves: readonly number[]
  }
}

/** The challenge circuit's public inputs, decoded, in circuit order. */
export type ChallengePublicInputs = {
  challengeId: bigint
  datanetRoot: bigint
  indexRoot: bigint
  queryCommitment: bigint
  threshold: bigint
  paidLeavesHash: bigint
}

export type BuildChallengeInputReturnType = {
  input: Record<string, bigint | bigint[] | bigint[][]>
  publicInputs: ChallengePublicInputs
  /** In circuit order: challengeId, datanetRoot, indexRoot, queryCommitment, threshold, paidLeavesHash. */
  publicSignals: bigint[]
  /** The record's exact signed score <phi_j, phi_q>, above the threshold. */
  score: bigint
}

/** Public signals of the challenge circuit in circuit order. */
export function challengeSignalsOf(p: ChallengePublicInputs): bigint[] {
  return [p.challengeId, p.datanetRoot, p.indexRoot, p.queryCommitment, p.threshold, p.paidLeavesHash]
}

/**
 * The challenge circuit's input for one record a settlement left out: checks everything the circuit
 * will (the record's openings under the settlement's roots, the query features, the paid leaves
 * against paidLeavesHash, the record not among them, its score above the threshold), so a challenge
 * that would not prove fails here with an error naming why (ChallengeNotAFaultError when the record
 * is no fault: paid, or not scoring above the threshold; ties stay with the prover).
 */
export async function buildChallengeInput(p: BuildChallengeInputParameters): Promise<BuildChallengeInputReturnType> {
  const { params, record, query, settlement } = p
  const { candidateSlots: K, featureCount: k } = params
  const id = toFr(p.challengeId, 'challengeId')
  if (id >= 1n << BigInt(SETTLEMENT_ID_BITS)) throw new ValueOutOfRangeError({ where: 'challengeId', value: id, min: 0n, max: (1n << BigInt(SETTLEMENT_ID_BITS)) - 1n })
  const datanetRoot = toFr(p.datanetRoot, 'datanetRoot')
  const indexRoot = toFr(p.indexRoot, 'indexRoot')
  const inputHash = toFr(query.inputHash, 'query.inputHash')
  if (query.features.length !== k) throw new WitnessShapeError({ where: 'query.features', expected: `${k} features`, got: query.features.length })
  checkFeatures(query.features, 'query.features')
  // The circuit range-checks the threshold to the score's width (30 + ceil(log2 k) bits at 16-bit features).
  const scoreBits = 30n + BigInt(Math.ceil(Math.log2(k)))
  if (typeof settlement.threshold !== 'bigint' || settlement.threshold < 0n || settlement.threshold >= 1n << scoreBits) {
    throw new ValueOutOfRangeError({ where: 'settlement.threshold', value: settlement.threshold, min: 0n, max: (1n << scoreBits) - 1n })
  }
  const expectedHash = toFr(settlement.paidLeavesHash, 'settlement.paidLeavesHash')

  const contributor = await checkCandidate('record', record, { params, datanetRoot, indexRoot })
  const paid = paidLeafValues({ candidateSlots: K, leafIndices: settlement.paidLeaves })
  const paidHash = await hashPaidLeaves({ candidateSlots: K, leafIndices: settlement.paidLeaves })
  if (paidHash !== expectedHash) throw new PaidLeavesMismatchError({ expected: expectedHash, got: paidHash, paidLeaves: settlement.paidLeaves })
  if (settlement.paidLeaves.includes(record.leafIndex)) throw new ChallengeNotAFaultError({ leafIndex: record.leafIndex, reason: 'the settlement paid it' })
  const [score] = computeScores({ candidateFeatures: [record.features], queryFeatures: query.features })
  if (score <= settlement.threshold) {
    throw new ChallengeNotAFaultError({ leafIndex: record.leafIndex, reason: `its score ${score} is not above the settlement's threshold ${settlement.threshold}` })
  }

  const publicInputs: ChallengePublicInputs = {
    challengeId: id, datanetRoot, indexRoot,
    queryCommitment: await commitQuery({ inputHash, features: query.features }),
    threshold: settlement.threshold,
    paidLeavesHash: expectedHash,
  }
  const input = {
    ...publicInputs,
    leafIndex: BigInt(record.leafIndex),
    contributor,
    contentHash: record.contentHash,
    labelHash: record.labelHash,
    datanetSiblings: record.datanetProof.siblings.slice(),
    indexChildren: record.indexProof.children.map((level) => level.slice()),
    features: record.features.map(signedToField),
    inputHash,
    queryFeatures: query.features.map(signedToField),
    paid,
  }
  return { input, publicInputs, publicSignals: challengeSignalsOf(publicInputs), score }
}
