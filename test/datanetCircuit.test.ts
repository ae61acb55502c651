import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mulberry32 } from '../prover/dataset/mulberry32.ts'
import * as snarkjs from 'snarkjs'
import { Wallet } from 'ethers'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { ensureDevKeys, type DevKeys } from '../ceremony/devSetup.ts'
import { contentHash, labelHash, recordLeaf } from '../prover/datanet/index.ts'
import { addressToField } from '../prover/field/index.ts'
import { buildMerkleTree, getMerkleProof, type MerkleTree } from '../prover/merkle/index.ts'

const DEPTH = 8
const SEED = Number(process.env.POA_TEST_SEED ?? 20261127)

// A seeded generator, so a failing tree can be rebuilt from the printed seed.
const rng = mulberry32

type Rec = { contributor: string; contentHash: bigint; labelHash: bigint }
type Case = { records: Rec[]; tree: MerkleTree }

async function randomTree(seed: number): Promise<Case> {
  const next = rng(seed)
  const count = 1 + Math.floor(next() * 2 ** DEPTH)
  const records: Rec[] = []
  for (let i = 0; i < count; i++) {
    const key = `0x${Array.from({ length: 32 }, () => Math.floor(next() * 256).toString(16).padStart(2, '0')).join('')}`
    const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256))
    // Every third record is unlabelled (labelHash 0), the others carry a class name.
    records.push({ contributor: new Wallet(key).address, contentHash: contentHash(bytes), labelHash: i % 3 === 0 ? 0n : labelHash(i % 2 ? 'spam' : 'ham') })
  }
  const leaves = await Promise.all(records.map((r) => recordLeaf(r)))
  return { records, tree: await buildMerkleTree({ leaves, depth: DEPTH }) }
}

function inputFor({ records, tree }: Case, position: number) {
  const proof = getMerkleProof(tree, position)
  return {
    root: tree.root.toString(),
    contributor: addressToField(records[position].contributor).toString(),
    contentHash: records[position].contentHash.toString(),
    labelHash: records[position].labelHash.toString(),
    leafIndex: String(position),
    siblings: proof.siblings.map(String),
  }
}

let circuit: CompiledCircuit
let keys: DevKeys

beforeAll(async () => {
  circuit = await compileCircuit({
    name: `datanet_inclusion_d${DEPTH}`,
    source: 'circuits/test/datanetInclusion.circom',
    template: 'DatanetInclusion',
    params: [DEPTH],
    publicInputs: ['root'],
  })
  keys = await ensureDevKeys(circuit)
})

afterAll(async () => {
  await releaseCurve()
})

async function witnessFails(input: Record<string, unknown>): Promise<void> {
  await expect(snarkjs.wtns.calculate(input, circuit.wasmPath, { type: 'mem' })).rejects.toThrow(/Assert Failed|Error in template/)
}

describe(`DatanetInclusion(${DEPTH}) agrees with the TypeScript tree (seed ${SEED})`, () => {
  it('keeps its constraint count (a drift means a template changed)', async () => {
    const info = await snarkjs.r1cs.info(circuit.r1csPath)
    // RecordLeaf: Poseidon(3) + Num2Bits(160); per level: Poseidon(2) + the left/right selector; Num2Bits(8) on the index.
    expect(Number(info.nConstraints)).toBe(2357)
    expect(Number(info.nPubInputs)).toBe(1)
  })

  it('proves with Groth16 that TS roots of random trees are accepted by the circuit', async () => {
    for (let t = 0; t < 3; t++) {
      const c = await randomTree(SEED + t)
      const next = rng(SEED * 7 + t)
      const positions = [0, c.records.length - 1, Math.floor(next() * c.records.length)]
      for (const position of positions.slice(0, t === 0 ? 3 : 1)) {
        const { proof, publicSignals } = await snarkjs.groth16.fullProve(inputFor(c, position), circuit.wasmPath, keys.zkeyPath)
        expect(publicSignals, `seed ${SEED + t} position ${position}`).toEqual([c.tree.root.toString()])
        expect(await snarkjs.groth16.verify(keys.verificationKey, publicSignals, proof)).toBe(true)
        // The same proof under another root is rejected by the verifier.
        expect(await snarkjs.groth16.verify(keys.verificationKey, [(c.tree.root + 1n).toString()], proof)).toBe(false)
      }
    }
  })

  it('fails witness generation for a tampered sibling, a wrong index, a wrong root, a wrong contributor and a wrong label', async () => {
    const c = await randomTree(SEED + 100)
    const position = Math.min(5, c.records.length - 1)
    const good = inputFor(c, position)
    // The honest input computes, so each failure below is caused by its one change.
    const witness: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
    await snarkjs.wtns.calculate(good, circuit.wasmPath, witness)
    expect(witness.data?.length).toBeGreaterThan(0)
    const siblings = good.siblings.slice()
    siblings[3] = (BigInt(siblings[3]) + 1n).toString()
    await witnessFails({ ...good, siblings })
    await witnessFails({ ...good, leafIndex: String(position ^ 1) })
    await witnessFails({ ...good, leafIndex: String(position + 2 ** DEPTH) }) // out of range: no Num2Bits decomposition
    await witnessFails({ ...good, root: (BigInt(good.root) + 1n).toString() })
    const other = c.records.find((r) => r.contributor !== c.records[position].contributor) ?? { contributor: Wallet.createRandom().address }
    await witnessFails({ ...good, contributor: addressToField(other.contributor).toString() })
    await witnessFails({ ...good, contentHash: (BigInt(good.contentHash) + 1n).toString() })
    // The label is committed: another label's hash, or dropping the label (0), misses the root.
    await witnessFails({ ...good, labelHash: labelHash('another label').toString() })
    await witnessFails({ ...good, labelHash: good.labelHash === '0' ? labelHash('spam').toString() : '0' })
    // A contributor of 2^160 or more cannot pass for an address, even as part of an honest-looking leaf.
    await witnessFails({ ...good, contributor: (BigInt(good.contributor) + (1n << 160n)).toString() })
  })
})
