import { addressToField, toFr } from '../field/index.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { computeMerkleRoot, computeQuaternaryRoot, quaternaryLevels, type MerkleProof, type QuaternaryProof } from '../merkle/index.ts'
import { recordLeaf } from '../datanet/recordLeaf.ts'
import { checkFeatures, indexLeaf } from '../index/featureHash.ts'
import type { AttributionParams } from './attributionParams.ts'
import { CandidateProofError, WitnessShapeError } from './errors.ts'

/** One record with its features and the proofs that open both trees at leafIndex (a candidate slot, or a challenged record). */
export type RecordOpening = {
  leafIndex: number
  /** EVM address of the record's contributor. */
  contributor: string
  /** keccak256(content) >> 8. */
  contentHash: bigint
  /** keccak256(UTF-8 label) >> 8, or 0 for a record without a label (prover/datanet/recordLeaf.ts). */
  labelHash: bigint
  /** phi_i, k signed integers within +-(2^15 - 1). */
  features: readonly bigint[]
  /** Opens the record leaf in the datanet tree. */
  datanetProof: MerkleProof
  /** Opens the index leaf Poseidon(recordLeaf, featureHash(phi_i)) in the 4-ary index tree. */
  indexProof: QuaternaryProof
}

async function checkIndexProof(where: string, proof: QuaternaryProof, expected: { leaf: bigint; leafIndex: number; root: bigint; levels: number }): Promise<void> {
  if (proof.children.length !== expected.levels) {
    throw new WitnessShapeError({ where: `${where}.children`, expected: `${expected.levels} levels (the 4-ary index tree)`, got: proof.children.length })
  }
  proof.children.forEach((c, l) => {
    if (c.length !== 4) throw new WitnessShapeError({ where: `${where}.children[${l}]`, expected: '4 children', got: c.length })
  })
  proof.children.forEach((c, l) => c.forEach((x, t) => toFr(x, `${where}.children[${l}][${t}]`)))
  checkOpening(where, proof, expected)
  const computed = await computeQuaternaryRoot(proof)
  if (computed === undefined) throw new CandidateProofError({ where, reason: 'a path node is not at its position among its children' })
  checkPathRoot(where, computed, expected.root)
}

/** The proof opens the expected leaf, at the expected index, under the expected root (either tree). */
function checkOpening(where: string, proof: { leaf: bigint; leafIndex: number; root: bigint }, expected: { leaf: bigint; leafIndex: number; root: bigint }): void {
  if (proof.leafIndex !== expected.leafIndex) throw new CandidateProofError({ where, reason: `opens leaf ${proof.leafIndex}, expected ${expected.leafIndex}` })
  if (proof.leaf !== expected.leaf) throw new CandidateProofError({ where, reason: `leaf ${proof.leaf} is not the recomputed leaf ${expected.leaf}` })
  if (proof.root !== expected.root) throw new CandidateProofError({ where, reason: `root ${proof.root} is not the expected root ${expected.root}` })
}

function checkPathRoot(where: string, computed: bigint, root: bigint): void {
  if (computed !== root) throw new CandidateProofError({ where, reason: `path leads to ${computed}, not to root ${root}` })
}

async function checkProof(where: string, proof: MerkleProof, expected: { leaf: bigint; leafIndex: number; root: bigint; depth: number }): Promise<void> {
  if (proof.siblings.length !== expected.depth) {
    throw new WitnessShapeError({ where: `${where}.siblings`, expected: `${expected.depth} siblings (the tree depth)`, got: proof.siblings.length })
  }
  proof.siblings.forEach((s, l) => toFr(s, `${where}.siblings[${l}]`))
  checkOpening(where, proof, expected)
  checkPathRoot(where, await computeMerkleRoot(proof), expected.root)
}

/**
 * Check one record opening the way AttributionCandidate will (leafIndex in range, k features in
 * range, the record leaf at leafIndex under datanetRoot, its index leaf at leafIndex under
 * indexRoot), so that an input the circuit would reject fails here with an error naming it.
 * Returns the contributor as a field element.
 */
export async function checkCandidate(where: string, c: RecordOpening, { params, datanetRoot, indexRoot }: { params: AttributionParams; datanetRoot: bigint; indexRoot: bigint }): Promise<bigint> {
  const { featureCount: k, treeDepth: depth } = params
  if (!Number.isInteger(c.leafIndex) || c.leafIndex < 0 || c.leafIndex >= 2 ** depth) {
    throw new ValueOutOfRangeError({ where: `${where}.leafIndex`, value: c.leafIndex, min: 0, max: 2 ** depth - 1 })
  }
  if (c.features.length !== k) throw new WitnessShapeError({ where: `${where}.features`, expected: `${k} features`, got: c.features.length })
  checkFeatures(c.features, `${where}.features`)
  toFr(c.contentHash, `${where}.contentHash`)
  toFr(c.labelHash, `${where}.labelHash`)
  const contributor = addressToField(c.contributor, `${where}.contributor`)
  const record = await recordLeaf({ contributor: c.contributor, contentHash: c.contentHash, labelHash: c.labelHash })
  await checkProof(`${where}.datanetProof`, c.datanetProof, { leaf: record, leafIndex: c.leafIndex, root: datanetRoot, depth })
  const leaf = await indexLeaf({ recordLeaf: record, features: c.features })
  await checkIndexProof(`${where}.indexProof`, c.indexProof, { leaf, leafIndex: c.leafIndex, root: indexRoot, levels: quaternaryLevels(depth) })
  return contributor
}
