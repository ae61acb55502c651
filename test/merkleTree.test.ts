import { describe, expect, it } from 'vitest'
import { buildMerkleTree, getMerkleProof, verifyMerkleProof, computeMerkleRoot } from '../prover/merkle/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'

describe('merkleTree', () => {
  it('computes the root of a full depth-2 tree by hand', async () => {
    const p = await getPoseidon()
    const leaves = [1n, 2n, 3n, 4n]
    const tree = await buildMerkleTree({ leaves, depth: 2 })
    expect(tree.root).toBe(p.hash([p.hash([1n, 2n]), p.hash([3n, 4n])]))
  })

  it('pads missing leaves with zero subtrees', async () => {
    const p = await getPoseidon()
    const tree = await buildMerkleTree({ leaves: [7n], depth: 3 })
    const z1 = p.hash([0n, 0n])
    const z2 = p.hash([z1, z1])
    expect(tree.root).toBe(p.hash([p.hash([p.hash([7n, 0n]), z1]), z2]))
  })

  it('proves every leaf and rejects a tampered sibling, a wrong index and a wrong root', async () => {
    const leaves = Array.from({ length: 13 }, (_, i) => BigInt(i * 7919 + 1))
    const tree = await buildMerkleTree({ leaves, depth: 5 })
    for (let i = 0; i < leaves.length; i++) expect(await verifyMerkleProof(getMerkleProof(tree, i))).toBe(true)
    const proof = getMerkleProof(tree, 6)
    const siblings = proof.siblings.slice()
    siblings[2] += 1n
    expect(await verifyMerkleProof({ ...proof, siblings })).toBe(false)
    expect(await verifyMerkleProof({ ...proof, leafIndex: 7 })).toBe(false)
    expect(await verifyMerkleProof({ ...proof, root: proof.root + 1n })).toBe(false)
    expect(await computeMerkleRoot(proof)).toBe(tree.root)
  })

  it('refuses leaves that do not fit and indices past the leaf count', async () => {
    await expect(buildMerkleTree({ leaves: [1n, 2n, 3n], depth: 1 })).rejects.toThrow(/do not fit a tree of depth 1/)
    const tree = await buildMerkleTree({ leaves: [1n], depth: 4 })
    expect(() => getMerkleProof(tree, 1)).toThrow(/outside \[0, 0\]/)
    await expect(buildMerkleTree({ leaves: [-1n], depth: 4 })).rejects.toThrow(/leaf 0 = -1 is not in \[0, r\)/)
  })
})
