import { describe, expect, it } from 'vitest'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { buildMerkleTree, getMerkleProof, verifyMerkleProof } from '../prover/merkle/index.ts'

// Seeded pseudo-random field elements (xorshift), so a failure reproduces.
function leavesFor(count: number, seed: number): bigint[] {
  let x = BigInt(seed) | 1n
  const out: bigint[] = []
  for (let i = 0; i < count; i++) {
    x ^= (x << 13n) & ((1n << 64n) - 1n)
    x ^= x >> 7n
    x ^= (x << 17n) & ((1n << 64n) - 1n)
    out.push((x << 180n) + BigInt(i))
  }
  return out
}

describe('buildMerkleTree with worker threads', () => {
  it('gives the same levels and root as the in-thread build for a ragged leaf count', async () => {
    const leaves = leavesFor(4097 + 1234, 7)
    const serial = await buildMerkleTree({ leaves, depth: 14 })
    const progress: number[] = []
    const parallel = await buildMerkleTree({ leaves, depth: 14, workers: 2, onProgress: (p) => progress.push(p.done) })
    expect(parallel.root).toBe(serial.root)
    expect(parallel.levels.map((l) => l.length)).toEqual(serial.levels.map((l) => l.length))
    for (let l = 0; l <= 14; l++) expect(parallel.levels[l]).toEqual(serial.levels[l])
    expect(progress.length).toBeGreaterThan(2)
    for (const i of [0, 4096, leaves.length - 1]) expect(await verifyMerkleProof(getMerkleProof(parallel, i))).toBe(true)
  })

  it('stops when its signal is aborted', async () => {
    const leaves = leavesFor(8192, 3)
    const controller = new AbortController()
    const built = buildMerkleTree({ leaves, depth: 13, workers: 2, signal: controller.signal })
    controller.abort(new Error('stop requested'))
    await expect(built).rejects.toThrow(/stop requested/)
  })

  it('refuses a worker count that is not a positive integer', async () => {
    await expect(buildMerkleTree({ leaves: [1n], depth: 2, workers: 0 })).rejects.toThrow(/workers 0 is not an integer >= 1/)
  })
})

describe('buildMerkleTree with the native hasher', () => {
  it('reproduces the WebAssembly tree level by level, field edge values included', async () => {
    const P = FIELD_MODULUS
    const leaves = [...leavesFor(700, 11), P - 1n, 0n, P - 2n, (1n << 253n) + 1n]
    const js = await buildMerkleTree({ leaves, depth: 11 })
    const native = await buildMerkleTree({ leaves, depth: 11, backend: 'native', workers: 2 })
    expect(native.root).toBe(js.root)
    for (let l = 0; l <= 11; l++) expect(native.levels[l]).toEqual(js.levels[l])
    const single = await buildMerkleTree({ leaves: [5n], depth: 3, backend: 'native' })
    expect(single.root).toBe((await buildMerkleTree({ leaves: [5n], depth: 3 })).root)
    expect(await verifyMerkleProof(getMerkleProof(native, 703))).toBe(true)
  })

  it('falls back to WebAssembly under auto for small trees and still validates leaves', async () => {
    const tree = await buildMerkleTree({ leaves: [1n, 2n, 3n], depth: 2, backend: 'auto' })
    expect(tree.root).toBe((await buildMerkleTree({ leaves: [1n, 2n, 3n], depth: 2 })).root)
    await expect(buildMerkleTree({ leaves: [FIELD_MODULUS], depth: 4, backend: 'native' })).rejects.toThrow(/leaf 0 = .* is not in \[0, r\)/)
  })
})
