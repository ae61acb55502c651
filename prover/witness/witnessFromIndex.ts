import { PoaError } from '../errors/index.ts'
import { buildMerkleTree, getMerkleProof, getQuaternaryProof, type MerkleTree } from '../merkle/index.ts'
import { contentHash, labelHash } from '../datanet/recordLeaf.ts'
import { indexFeatures, type AttributionIndex } from '../index/index.ts'
import type { AttributionParams } from './attributionParams.ts'
import { buildAttributionWitness, type BuildAttributionWitnessReturnType } from './buildAttributionWitness.ts'
import type { RecordOpening } from './checkCandidate.ts'

/** The index was built at another depth or feature count than the circuit takes. */
export class CircuitIndexMismatchError extends PoaError {
  constructor({ what, circuit, index }: { what: string; circuit: number; index: number }) {
    super('CIRCUIT_INDEX_MISMATCH', 'BAD_INPUT', `the circuit takes ${what} ${circuit}, the attribution index has ${index}`, { meta: { what, circuit, index } })
  }
}

export type WitnessFromIndexParameters = {
  params: AttributionParams
  index: Pick<AttributionIndex, 'manifest' | 'features' | 'recordLeaves' | 'tree'>
  /** The datanet version's records in position order (the index was built over them); `label` as stored (committed in the leaf). */
  records: readonly { contributor: string; content: string | Uint8Array; label?: string }[]
  /** Chosen candidate positions (at most K); order does not matter, duplicates are an error downstream. */
  positions: readonly number[]
  query: { inputHash: bigint; features: readonly bigint[] }
  pool: bigint
  settlementId: bigint
}

/**
 * The attribution witness for candidates chosen from a model's index: opens each candidate's
 * record in the datanet tree (rebuilt from the index's record leaves, which the index build checked
 * against the datanet root) and its index leaf in the index tree, at the same position.
 */
export async function witnessFromIndex(p: WitnessFromIndexParameters): Promise<BuildAttributionWitnessReturnType> {
  const { params, index } = p
  if (index.manifest.treeDepth !== params.treeDepth) {
    throw new CircuitIndexMismatchError({ what: 'tree depth', circuit: params.treeDepth, index: index.manifest.treeDepth })
  }
  if (index.manifest.k !== params.featureCount) throw new CircuitIndexMismatchError({ what: 'feature count k', circuit: params.featureCount, index: index.manifest.k })
  const datanetTree = await buildMerkleTree({ leaves: index.recordLeaves, depth: params.treeDepth })
  const candidates = [...p.positions]
    .sort((a, b) => a - b)
    .map((position) => recordOpeningFromIndex({ index, records: p.records, position, datanetTree }))
  return buildAttributionWitness({
    params,
    settlementId: p.settlementId,
    datanetRoot: datanetTree.root,
    indexRoot: index.tree.root,
    query: p.query,
    pool: p.pool,
    candidates,
  })
}

/**
 * One record of a model's index with the openings of both trees at its position: a candidate slot
 * of an attribution witness, or the record a challenge is about. `datanetTree` is the datanet tree
 * rebuilt from the index's record leaves (which the index build checked against the datanet root).
 */
export function recordOpeningFromIndex(p: {
  index: Pick<AttributionIndex, 'features' | 'manifest' | 'tree'>
  records: readonly { contributor: string; content: string | Uint8Array; label?: string }[]
  position: number
  datanetTree: MerkleTree
}): RecordOpening {
  const record = p.records[p.position]
  if (!record) throw new CircuitIndexMismatchError({ what: 'a record at position', circuit: p.position, index: p.records.length })
  return {
    leafIndex: p.position,
    contributor: record.contributor,
    contentHash: contentHash(record.content),
    labelHash: labelHash(record.label),
    features: indexFeatures(p.index, p.position),
    datanetProof: getMerkleProof(p.datanetTree, p.position),
    indexProof: getQuaternaryProof(p.index.tree, p.position),
  }
}
