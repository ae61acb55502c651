import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { contentHash, labelHash, recordLeafOf } from '../prover/datanet/recordLeaf.ts'
import { buildMerkleTree, getMerkleProof, getQuaternaryProof } from '../prover/merkle/index.ts'
import { trainModel, buildModelIndex, recordFeatures, type IndexRecord } from '../prover/influence/index.ts'
import { indexFeatures, type AttributionIndex, type DatanetRef } from '../prover/index/index.ts'
import { TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { buildAttributionWitness, witnessFromIndex, CandidateProofError, signedToField } from '../prover/witness/index.ts'
import { loadHarness, type CircuitHarness } from './circuitHarness.ts'

// Issue 10: the index features follow deterministically from the committed model (same model hash,
// same whitening/projection, same features, same root), and a record scored with another model
// version's features is refused by the TS witness builder and rejected by the circuit.
const { featureCount: k, treeDepth: depth } = TINY_PARAMS
let records: (IndexRecord & { content: string; label: string })[]
let datanet: DatanetRef
let h: CircuitHarness

beforeAll(async () => {
  const mails = loadSpamAssassin({ limit: 60, seed: 21 })
  records = await Promise.all(mails.map(async (m) => ({ ...m, datanetLabel: m.label, leaf: await recordLeafOf(m) })))
  const tree = await buildMerkleTree({ leaves: records.map((r) => r.leaf), depth })
  datanet = { id: 'spam-assassin', version: 1, root: tree.root }
  h = await loadHarness()
})
afterAll(releaseCurve)

/** The default (data-dependent, whitened-PCA) projection, trained with the given L2. */
async function version(l2: number): Promise<{ modelHash: string; index: AttributionIndex; model: Awaited<ReturnType<typeof trainModel>> }> {
  const model = await trainModel({ name: `spam-l2-${l2}`, records, projection: { k }, l2 })
  const { index } = await buildModelIndex({ model, records, datanet, treeDepth: depth, provider: 'cpu' })
  return { modelHash: model.manifest.modelHash, index, model }
}

const query = { inputHash: 77n, features: Array.from({ length: k }, (_, t) => BigInt(((t * 37) % 61) - 30)) }

describe('model versions and index features', () => {
  it('derives the same whitened-PCA projection, features and root from the same committed model', async () => {
    const a = await version(1e-3)
    const again = await version(1e-3)
    expect(a.model.manifest.projection.kind).toBe('whitened-pca')
    expect(again.modelHash).toBe(a.modelHash)
    expect(again.model.manifest.featuresSha256).toBe(a.model.manifest.featuresSha256)
    expect(Array.from(again.index.features)).toEqual(Array.from(a.index.features))
    expect(again.index.tree.root).toBe(a.index.tree.root)
    // The auditor's recomputation from the saved model matches the index bit for bit.
    const picks = [3, 30, 59]
    const recomputed = await recordFeatures({ model: a.model, records: picks.map((p) => records[p]), featureFracBits: a.index.manifest.featureFracBits })
    picks.forEach((p, j) => expect(Array.from(recomputed.features.subarray(j * k, (j + 1) * k), BigInt)).toEqual(indexFeatures(a.index, p)))
  })

  it('refuses, in TS and in the circuit, a record scored with another model version\'s features', async () => {
    const v1 = await version(1e-3)
    const v2 = await version(1e-2)
    expect(v2.modelHash).not.toBe(v1.modelHash)
    const position = 12
    expect(indexFeatures(v2.index, position)).not.toEqual(indexFeatures(v1.index, position))
    // Honest: v1's features against v1's committed index root.
    const honest = await witnessFromIndex({ params: TINY_PARAMS, index: v1.index, records, positions: [position], query, pool: 10n ** 18n, settlementId: 5n })
    expect(h.satisfies(await h.witness(honest.input))).toBe(true)

    // TS: v2's features and v2's index path, claimed under v1's root.
    const datanetTree = await buildMerkleTree({ leaves: records.map((r) => r.leaf), depth })
    const v2Candidate = {
      leafIndex: position, contributor: records[position].contributor, contentHash: contentHash(records[position].content), labelHash: labelHash(records[position].label),
      features: indexFeatures(v2.index, position), datanetProof: getMerkleProof(datanetTree, position), indexProof: getQuaternaryProof(v2.index.tree, position),
    }
    const claim = { params: TINY_PARAMS, settlementId: 5n, datanetRoot: datanet.root, indexRoot: v1.index.tree.root, query, pool: 10n ** 18n }
    await expect(buildAttributionWitness({ ...claim, candidates: [v2Candidate] })).rejects.toThrow(CandidateProofError)

    // Circuit: v2's features with v1's path (the leaf is not the path's first node) ...
    const swapped = { ...honest.input, features: [indexFeatures(v2.index, position).map(signedToField), ...(honest.input.features as bigint[][]).slice(1)] }
    const e1 = await h.witness(swapped).then(() => undefined, (e: unknown) => e)
    expect(e1).toBeInstanceOf(WitnessUnsatisfiedError)
    expect((e1 as Error).message).toMatch(/failed in QuaternaryChild:\d+ < QuaternaryMerkleRoot/)
    // ... and v2's features with v2's own, consistent path: it leads to v2's root, not the committed v1 root.
    const v2Path = { ...swapped, indexChildren: [getQuaternaryProof(v2.index.tree, position).children.map((l) => l.slice()), ...(honest.input.indexChildren as bigint[][][]).slice(1)] }
    const e2 = await h.witness(v2Path).then(() => undefined, (e: unknown) => e)
    expect(e2).toBeInstanceOf(WitnessUnsatisfiedError)
    expect((e2 as Error).message).toMatch(/failed in AttributionCandidate:\d+/)
    expect((e2 as Error).message).not.toMatch(/QuaternaryChild/)
  })
})
