import { describe, expect, it } from 'vitest'
import { getPoseidon } from '../prover/hash/index.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { buildQuaternaryTree, bytesToFields, fieldsToBytes, loadNativeHasher } from '../prover/merkle/index.ts'

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
})
