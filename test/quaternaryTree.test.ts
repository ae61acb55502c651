import { describe, expect, it } from 'vitest'
import {
  buildMerkleTree, buildQuaternaryTree, getQuaternaryProof, verifyQuaternaryProof, computeQuaternaryRoot, paddingQuaternaryChildren, quaternaryLevels,
} from '../prover/merkle/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'

describe('4-ary index tree', () => {
  it('hashes Poseidon(c0..c3) per node with zero-filled subtrees, as a hand computation does', async () => {
    const p = await getPoseidon()
    const leaves = [1n, 2n, 3n, 4n, 5n]
    const tree = await buildQuaternaryTree({ leaves, levels: 2 })
    const z1 = p.hash([0n, 0n, 0n, 0n])
    expect(tree.root).toBe(p.hash([p.hash([1n, 2n, 3n, 4n]), p.hash([5n, 0n, 0n, 0n]), z1, z1]))
    expect(tree.zeros).toEqual([0n, z1, p.hash([z1, z1, z1, z1])])
    const empty = await buildQuaternaryTree({ leaves: [], levels: 2 })
    expect(empty.root).toBe(tree.zeros[2])
  })

  it('opens every leaf, at the position a binary leafIndex of the same tree size names', async () => {
    const leaves = Array.from({ length: 37 }, (_, i) => BigInt(1000 + i))
    const tree = await buildQuaternaryTree({ leaves, levels: quaternaryLevels(7) })
    expect(tree.levels).toBe(4)
    for (const i of [0, 3, 4, 17, 36]) {
      const proof = getQuaternaryProof(tree, i)
      expect(proof.children).toHaveLength(4)
      proof.children.forEach((level, l) => expect(level).toHaveLength(4))
      expect(proof.children[0][i % 4]).toBe(leaves[i])
      expect(await verifyQuaternaryProof(proof)).toBe(true)
    }
  })

  it('rejects a changed sibling, a moved path node, another leaf index and an index beyond the tree', async () => {
    const leaves = Array.from({ length: 20 }, (_, i) => BigInt(i + 1))
    const tree = await buildQuaternaryTree({ leaves, levels: 3 })
    const proof = getQuaternaryProof(tree, 9)
    const sibling = proof.children.map((l) => l.slice())
    sibling[1][3] += 1n
    expect(await verifyQuaternaryProof({ ...proof, children: sibling })).toBe(false)
    const moved = proof.children.map((l) => l.slice())
    ;[moved[0][1], moved[0][2]] = [moved[0][2], moved[0][1]]
    expect(await computeQuaternaryRoot({ ...proof, children: moved })).toBeUndefined()
    expect(await verifyQuaternaryProof({ ...proof, leafIndex: 10 })).toBe(false)
    expect(await verifyQuaternaryProof({ ...proof, leafIndex: 64 + 9 })).toBe(false)
    expect(() => getQuaternaryProof(tree, 20)).toThrow(/leaf index 20 is outside \[0, 19\]/)
    await expect(buildQuaternaryTree({ leaves: Array(17).fill(1n), levels: 2 })).rejects.toThrow(/17 leaves do not fit a 4-ary tree of 2 levels \(max 16\)/)
    await expect(buildQuaternaryTree({ leaves: [-1n], levels: 2 })).rejects.toThrow(/leaf 0/)
  })

  it('pads an empty slot with a path consistent at every level', async () => {
    const p = await getPoseidon()
    const children = await paddingQuaternaryChildren(77n, 6, 3)
    expect(children[0]).toEqual([0n, 0n, 77n, 0n])
    expect(children[1][1]).toBe(p.hash(children[0]))
    expect(await computeQuaternaryRoot({ leaf: 77n, leafIndex: 6, children })).toBe(p.hash(children[2]))
  })

  it('costs fewer hashes than the binary tree over the same leaves', async () => {
    // Not a timing: a count. 4-ary: ceil(n/4) + ceil(n/16) + ...; binary: ceil(n/2) + ceil(n/4) + ...
    const leaves = Array.from({ length: 256 }, (_, i) => BigInt(i))
    const q = await buildQuaternaryTree({ leaves, levels: 4 })
    const b = await buildMerkleTree({ leaves, depth: 8 })
    const count = (layers: readonly (readonly bigint[])[]) => layers.slice(1).reduce((s, l) => s + l.length, 0)
    expect(count(q.layers)).toBe(64 + 16 + 4 + 1)
    expect(count(b.levels)).toBe(255)
  })
})
