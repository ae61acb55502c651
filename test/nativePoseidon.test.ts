import { describe, expect, it } from 'vitest'
import { getPoseidon } from '../prover/hash/index.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { buildQuaternaryTree, bytesToFields, fieldsToBytes, loadNativeHasher } from '../prover/merkle/index.ts'
import { hashIndexLeaves, indexLeaf, IndexShapeError } from '../prover/index/index.ts'

// Seeded field elements, edge values first: what the native hasher must hash exactly as circomlibjs.
let state = 7n
const next = () => (state = (state * 6364136223846793005n + 1442695040888963407n) % FIELD_MODULUS)
const values = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? FIELD_MODULUS - 1n : i === 1 ? 0n : next()))

describe('native Poseidon (native/poseidon/poseidon_tree.c)', () => {
  it('computes circomlib Poseidon(n) for every n = 1..16 as the WebAssembly Poseidon does', async () => {
    const { hasher, reason } = await loadNativeHasher()
    expect(reason).toBeUndefined()
    const poseidon = await getPoseidon()
    for (let n = 1; n <= 16; n++) {
      const tuples = Array.from({ length: 300 }, () => values(n))
      const got = await hasher!.hashTuples(tuples, 2)
      tuples.forEach((t, i) => expect(got[i], `Poseidon(${n}) tuple ${i}`).toBe(poseidon.hash(t)))
    }
    await expect(hasher!.hashTuples([[1n, 2n], [3n]])).rejects.toThrow(/same length in 1..16/)
  })

  it('builds the 4-ary index tree natively with the same levels as in WebAssembly, ragged levels included', async () => {
    const leaves = values(1000)
    const js = await buildQuaternaryTree({ leaves, levels: 6, backend: 'js' })
    const native = await buildQuaternaryTree({ leaves, levels: 6, backend: 'native', threads: 2 })
    expect(native.root).toBe(js.root)
    expect(native.layers).toEqual(js.layers)
    const { hasher } = await loadNativeHasher()
    const bytes = await hasher!.treeLevelBytes(fieldsToBytes(leaves), 6, 4)
    expect(bytesToFields(bytes[5])).toEqual([js.root])
    await expect(hasher!.treeLevelBytes(new Uint8Array(33), 2, 4)).rejects.toThrow(/positive multiple of 32 bytes, got 33/)
  })

  it('hashes index leaves natively as indexLeaf does, and refuses a feature of -2^15, a record leaf >= r and a ragged batch on both backends', async () => {
    const k = 20
    const features = Int16Array.from({ length: 3 * k }, (_, i) => ((i * 7919) % 65535) - 32767)
    const recordLeaves = fieldsToBytes([FIELD_MODULUS - 1n, 5n, 6n])
    const native = await hashIndexLeaves({ recordLeaves, features, k, backend: 'native' })
    expect(native.backend).toBe('native')
    expect(bytesToFields(native.leaves)[1]).toBe(await indexLeaf({ recordLeaf: 5n, features: Array.from(features.subarray(k, 2 * k), BigInt) }))
    expect((await hashIndexLeaves({ recordLeaves, features, k, backend: 'js' })).leaves.equals(native.leaves)).toBe(true)
    for (const backend of ['native', 'js'] as const) {
      const low = features.slice()
      low[k + 3] = -32768
      await expect(hashIndexLeaves({ recordLeaves, features: low, k, backend })).rejects.toThrow(IndexShapeError)
      await expect(hashIndexLeaves({ recordLeaves, features: low, k, backend })).rejects.toThrow(/features of record 1\[3\]: expected a value >= -32767, got -32768/)
      await expect(hashIndexLeaves({ recordLeaves: fieldsToBytes([FIELD_MODULUS, 5n, 6n]), features, k, backend })).rejects.toThrow(/record leaf 0: expected a field element below r/)
      await expect(hashIndexLeaves({ recordLeaves, features: features.subarray(1), k, backend })).rejects.toThrow(/features.length: expected 3 records x k 20 = 60, got 59/)
    }
  })
})
