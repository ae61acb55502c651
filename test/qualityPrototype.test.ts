import { beforeAll, describe, expect, it } from 'vitest'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { calculateWitness, WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { SNARK_SCALAR_FIELD } from '../prover/witness/index.ts'
import { buildQuaternaryTree, quaternaryInput, quaternaryPath, quaternarySpec } from './qualityFixture.ts'

// The quaternary-index prototype of docs/quality.md, on small parameters (2 candidates, 16
// features, depth 4 = two 4-ary levels): an honest input passes, and each shortcut a prover could
// try against the 4-ary path or the cheaper feature range check is refused by witness generation.
const params = { candidateSlots: 2, featureCount: 16, treeDepth: 4 }
const R = SNARK_SCALAR_FIELD

let circuit: CompiledCircuit
beforeAll(async () => {
  circuit = await compileCircuit(quaternarySpec({ K: 2, k: 16, depth: 4, bits: 16 }))
}, 120_000)

const fresh = async (seed = 5) => quaternaryInput({ params, seed, records: 16 })
const clone = (input: Record<string, unknown>) => structuredClone(input) as Record<string, any>
/** Witness generation must fail, in the template named by `where` (the check that stops it). */
async function rejects(input: Record<string, unknown>, where: RegExp): Promise<void> {
  const error = await calculateWitness(circuit, input).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(WitnessUnsatisfiedError)
  expect((error as Error).message).toMatch(where)
}
const AT_POSITION = /assertion failed in QuaternaryChild/
const AT_ROOT = /assertion failed in AttributionCandidateQuaternary:\d+ </

describe('4-ary index tree (QuaternaryMerkleRoot)', () => {
  it('matches the TS tree: node = Poseidon(c0..c3), leaf i at position (i >> 2l) & 3', async () => {
    const poseidon = await getPoseidon()
    const leaves = Array.from({ length: 7 }, (_, i) => BigInt(100 + i))
    const tree = await buildQuaternaryTree(leaves, 2)
    const z1 = poseidon.hash([0n, 0n, 0n, 0n])
    const left = poseidon.hash(leaves.slice(0, 4))
    const right = poseidon.hash([...leaves.slice(4, 7), 0n])
    expect(tree.root).toBe(poseidon.hash([left, right, z1, z1]))
    expect(quaternaryPath(tree, 5)).toEqual([[...leaves.slice(4, 7), 0n], [left, right, z1, z1]])
  })

  it('accepts an honest input with both candidates in the datanet and the 4-ary index', async () => {
    const { input } = await fresh()
    const witness = await calculateWitness(circuit, input)
    expect(witness[0]).toBe(1n)
  })

  it('rejects a tampered index feature (the leaf no longer hashes to the committed root)', async () => {
    const { input } = await fresh()
    const bad = clone(input)
    bad.features[1][3] = (bad.features[1][3] + 1n) % R
    await rejects(bad, AT_POSITION)
  })

  it('rejects a tampered sibling at either level', async () => {
    const { input } = await fresh()
    for (const level of [0, 1]) {
      const bad = clone(input)
      const position = Number((BigInt(bad.leafIndex[0]) >> BigInt(2 * level)) & 3n)
      const sibling = (position + 1) % 4
      bad.indexChildren[0][level][sibling] = (bad.indexChildren[0][level][sibling] + 1n) % R
      await rejects(bad, level === 0 ? AT_POSITION : AT_ROOT)
    }
  })

  it('rejects a self-consistent path over a forged sibling: only the committed root stops it', async () => {
    const poseidon = await getPoseidon()
    const { input } = await fresh()
    const bad = clone(input)
    const index = Number(bad.leafIndex[1])
    const [low, high] = [index & 3, (index >> 2) & 3]
    bad.indexChildren[1][0][(low + 1) % 4] = 12345n
    bad.indexChildren[1][1][high] = poseidon.hash(bad.indexChildren[1][0])
    await rejects(bad, AT_ROOT)
  })

  it('rejects the path node placed at another position than leafIndex says', async () => {
    const { input } = await fresh()
    const bad = clone(input)
    const children = bad.indexChildren[0][0]
    const position = Number(BigInt(bad.leafIndex[0]) & 3n)
    const other = (position + 1) % 4
    ;[children[position], children[other]] = [children[other], children[position]]
    await rejects(bad, AT_POSITION)
  })
})

describe('index features checked by Num2Bits(16) only (PackedFeatureHash)', () => {
  it('rejects a re-split of a packed element that keeps its value (phi_0 + 2^16, phi_1 - 1)', async () => {
    // Same packed element, same hash, same root: only the range check stops this score change.
    const { input } = await fresh()
    const bad = clone(input)
    bad.features[0][0] = (bad.features[0][0] + (1n << 16n)) % R
    bad.features[0][1] = (bad.features[0][1] - 1n + R) % R
    await rejects(bad, /assertion failed in Num2Bits:\d+ < PackedFeatureHash/)
  })
})
