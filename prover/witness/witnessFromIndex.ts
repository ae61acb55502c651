import { PoaError } from '../errors/index.ts'
import { buildMerkleTree, getMerkleProof, getQuaternaryProof } from '../merkle/index.ts'
import { contentHash, labelHash } from '../datanet/recordLeaf.ts'
import { indexFeatures, type AttributionIndex } from '../index/index.ts'
import type { AttributionParams } from './attributionParams.ts'
import { buildAttributionWitness, type BuildAttributionWitnessReturnType } from './buildAttributionWitness.ts'

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
    .map((position) => {
      const record = p.records[position]
      if (!record) throw new CircuitIndexMismatchError({ what: 'a record at position', circuit: position, index: p.records.length })
      return {
        leafIndex: position,
        contributor: record.contributor,
        contentHash: contentHash(record.content),
        labelHash: labelHash(record.label),
        features: indexFeatures(index, position),
        datanetProof: getMerkleProof(datanetTree, position),
        indexProof: getQuaternaryProof(index.tree, position),
      }
    })
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
