/**
 * The attribution circuit's size: K candidate slots, k features per vector, Merkle depth
 * `treeDepth` for both the datanet and the index tree. The named sets live in prover/proof/circuitParams.ts.
 */
export type AttributionParams = {
  readonly candidateSlots: number
  readonly featureCount: number
  readonly treeDepth: number
}
