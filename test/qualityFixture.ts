import { getPoseidon } from '../prover/hash/index.ts'
import type { CircuitSpec } from '../prover/proof/compileCircuit.ts'
import { ATTRIBUTION_PUBLIC_INPUTS } from '../prover/proof/circuitParams.ts'
import { recordLeaf } from '../prover/datanet/recordLeaf.ts'
import { indexLeaf } from '../prover/index/featureHash.ts'
import { randomWitness, type ScenarioOptions } from './witnessFixture.ts'

/**
 * TS side of the quaternary-index prototype (circuits/test/attributionQuaternary.circom,
 * docs/quality.md): a fixed-depth 4-ary Poseidon tree, node = Poseidon(c0, c1, c2, c3), empty
 * leaf 0, leaf i's position at level l = (i >> 2l) & 3. It lives beside the tests until the design
 * is adopted; the plan moves it to prover/merkle/ next to the binary tree.
 */
export type QuaternaryTree = { levels: number; layers: bigint[][]; zeros: bigint[]; root: bigint }

export async function buildQuaternaryTree(leaves: readonly bigint[], levels: number): Promise<QuaternaryTree> {
  if (leaves.length > 4 ** levels) throw new RangeError(`${leaves.length} leaves do not fit a 4-ary tree of ${levels} levels`)
  const poseidon = await getPoseidon()
  const zeros = [0n]
  for (let l = 0; l < levels; l++) zeros.push(poseidon.hash([zeros[l], zeros[l], zeros[l], zeros[l]]))
  const layers: bigint[][] = [[...leaves]]
  for (let l = 0; l < levels; l++) {
    const below = layers[l]
    const above: bigint[] = []
    for (let j = 0; j * 4 < below.length; j++) {
      above.push(poseidon.hash([0, 1, 2, 3].map((t) => below[4 * j + t] ?? zeros[l])))
    }
    if (above.length === 0) above.push(zeros[l + 1])
    layers.push(above)
  }
  return { levels, layers, zeros, root: layers[levels][0] }
}

/** The four children of each parent on leaf `index`'s path, the path node at its own position. */
export function quaternaryPath(tree: QuaternaryTree, index: number): bigint[][] {
  const out: bigint[][] = []
  for (let l = 0; l < tree.levels; l++) {
    const parent = Math.floor(index / 4 ** (l + 1))
    out.push([0, 1, 2, 3].map((t) => tree.layers[l][4 * parent + t] ?? tree.zeros[l]))
  }
  return out
}

/** compileCircuit spec of the prototype main AttributionQuaternary(K, k, depth, bits). */
export function quaternarySpec({ K, k, depth, bits }: { K: number; k: number; depth: number; bits: number }): CircuitSpec {
  return {
    name: `attribution_quaternary_d${depth}_k${k}_K${K}_b${bits}`,
    source: 'circuits/test/attributionQuaternary.circom',
    template: 'AttributionQuaternary',
    params: [K, k, depth, bits],
    publicInputs: [...ATTRIBUTION_PUBLIC_INPUTS],
  }
}

/**
 * A valid input of AttributionQuaternary(K, k, depth, 16): the binary scenario of witnessFixture.ts
 * (real datanet tree, 16-bit features, which hash the same under PackedFeatureHash(k, 16)), with
 * the index tree rebuilt 4-ary over the same index leaves and the candidates' paths taken from it.
 */
export async function quaternaryInput(options: ScenarioOptions & { records: number }) {
  const { parameters, witness } = await randomWitness(options)
  // The candidates' index leaves, recomputed; other positions get distinct filler leaves (the
  // prototype only needs some committed tree holding the candidates).
  const leaves: bigint[] = Array.from({ length: options.records }, (_, i) => BigInt(i + 1))
  for (const c of parameters.candidates) {
    leaves[c.leafIndex] = await indexLeaf({ recordLeaf: await recordLeaf({ contributor: c.contributor, contentHash: c.contentHash }), features: c.features })
  }
  const tree = await buildQuaternaryTree(leaves, options.params.treeDepth / 2)
  const input: Record<string, unknown> = { ...witness.input }
  delete input.indexSiblings
  input.indexRoot = tree.root
  const K = options.params.candidateSlots
  // An empty slot would need the children of its dummy path (QuaternaryChild is checked even when
  // inactive); the prototype is only exercised with full slots.
  if (parameters.candidates.length !== K) throw new RangeError(`quaternaryInput fills all ${K} slots, got ${parameters.candidates.length} candidates`)
  const leafIndex = witness.input.leafIndex as bigint[]
  input.indexChildren = leafIndex.map((i) => quaternaryPath(tree, Number(i)))
  return { parameters, input, tree, leaves }
}
