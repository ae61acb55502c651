import { recordLeafOf } from '../datanet/recordLeaf.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { buildMerkleTree } from '../merkle/index.ts'
import { buildAttributionIndex, type AttributionIndex } from '../index/index.ts'
import { queryClassIndex, queryForCommitment, recordFeatures, scoreReference, type LoadedModel, type ScoredRecord } from '../influence/index.ts'
import { getProofSystem, isProofSystemName, PROOF_SYSTEM_NAMES } from '../proof/proofSystems.ts'
import { ATTRIBUTION_FIXED_INPUTS } from '../proof/circuitParams.ts'
import { candidatesOfScores } from '../proof/attributeInference.ts'
import { settlementId, splitRewards, unpackPayoutSlot, type AttributionParams } from '../witness/index.ts'
import type { SettlementOnChain } from './auditSettlement.ts'

/**
 * The auditor's checks, each a pure comparison of what the chain says (`SettlementOnChain`) with
 * what it recomputes from local data (the model files, the datanet records, the query text).
 * Each returns pass/fail and, on failure, the first difference found.
 */
export type AuditCheckName =
  | 'settlement' | 'verifier' | 'proof' | 'publicInputs' | 'model' | 'query' | 'datanetData' | 'indexFeatures' | 'scores' | 'payouts' | 'topK'

export type AuditCheck = { name: AuditCheckName; ok: boolean; detail: string; difference?: { what: string; expected: string; got: string } }

const pass = (name: AuditCheckName, detail: string): AuditCheck => ({ name, ok: true, detail })
const fail = (name: AuditCheckName, what: string, expected: unknown, got: unknown, detail = `${what}: expected ${expected}, got ${got}`): AuditCheck => ({
  name, ok: false, detail, difference: { what, expected: String(expected), got: String(got) },
})

export function checkSettlement(s: SettlementOnChain): AuditCheck {
  if (s.status !== 2) return fail('settlement', 'inference status', '2 (Settled)', s.status)
  if (s.calldata.publicInputs.length === 0) return fail('settlement', 'settle calldata', 'a direct settle() call', `a call to ${s.event.txHash} that is not settle()`)
  if (s.calldata.inferenceId.toLowerCase() !== s.inferenceId.toLowerCase()) return fail('settlement', 'calldata inferenceId', s.inferenceId, s.calldata.inferenceId)
  const slots = s.calldata.publicInputs.slice(ATTRIBUTION_FIXED_INPUTS)
  const i = firstDiff(slots, s.event.payoutSlots)
  if (i !== undefined) return fail('settlement', `payout slot ${i} (calldata vs event)`, s.event.payoutSlots[i], slots[i])
  return pass('settlement', `settled in block ${s.event.blockNumber} (tx ${s.event.txHash}) by ${s.event.prover}`)
}

/** The snarkjs Solidity verifier embeds the key's points as constants: each must appear in its code. */
export function checkVerifier(s: SettlementOnChain, vkey: { key: any; circuitName: string; source: string } | undefined): AuditCheck {
  if (!vkey) return fail('verifier', 'verification key', `a key for circuit id ${s.event.circuitId}`, 'none found (pass --vkey)')
  if (s.verifier.code === '0x') return fail('verifier', 'verifier code', `a contract at ${s.verifier.address}`, 'no code')
  const code = s.verifier.code.toLowerCase()
  if (vkey.key.protocol === 'ultrahonk') return checkHonkVerifier(s, vkey, code)
  const points: [string, string][] = [
    ...(vkey.key.vk_delta_2 as string[][]).slice(0, 2).flatMap((xy, i) => xy.map((v, j): [string, string] => [`vk_delta_2[${i}][${j}]`, v])),
    ...(vkey.key.IC as string[][]).flatMap((p, i) => p.slice(0, 2).map((v, j): [string, string] => [`IC[${i}][${j}]`, v])),
  ]
  for (const [where, value] of points) {
    let hex = BigInt(value).toString(16)
    if (hex.length % 2) hex = `0${hex}`
    if (!code.includes(hex)) return fail('verifier', `${where} of ${vkey.source}`, `a constant of the verifier at ${s.verifier.address}`, 'absent (another setup)')
  }
  if (vkey.key.nPublic !== s.verifier.inputCount) return fail('verifier', 'public input count', s.verifier.inputCount, vkey.key.nPublic)
  if (!isProofSystemName(vkey.key.protocol)) return fail('verifier', `proof system of ${vkey.source}`, PROOF_SYSTEM_NAMES.join(' or '), vkey.key.protocol)
  const keyId = getProofSystem(vkey.key.protocol).circuitId(vkey.key)
  if (keyId !== s.event.circuitId.toLowerCase()) return fail('verifier', `circuit id of ${vkey.source}`, s.event.circuitId, keyId)
  return pass('verifier', `${vkey.source} (${vkey.circuitName}) is the key of the approved verifier ${s.verifier.address}`)
}

/**
 * An UltraHonk verifier is the IAttributionVerifier adapter over bb.js's generated verifier: its code
 * embeds the circuit id (keccak over the verification key and [tau]G2) that `circuitId()` returns and
 * that the settlement matched when it approved it. The key's id must be that constant and the
 * settled id. (The honk verifier the adapter deployed holds the key's commitments; comparing them
 * one by one is left to a later version.)
 */
function checkHonkVerifier(s: SettlementOnChain, vkey: { key: any; circuitName: string; source: string }, code: string): AuditCheck {
  const keyId = getProofSystem('ultrahonk').circuitId(vkey.key)
  if (keyId !== s.event.circuitId.toLowerCase()) return fail('verifier', `circuit id of ${vkey.source}`, s.event.circuitId, keyId)
  if (!code.includes(keyId.slice(2))) return fail('verifier', `circuit id of the verifier at ${s.verifier.address}`, keyId, 'not in its code (another key)')
  if (vkey.key.nPublic !== s.verifier.inputCount) return fail('verifier', 'public input count', s.verifier.inputCount, vkey.key.nPublic)
  return pass('verifier', `${vkey.source} (${vkey.circuitName}, UltraHonk) is the key of the approved verifier ${s.verifier.address}`)
}

export async function checkProof(s: SettlementOnChain, vkey: { key: any } | undefined): Promise<AuditCheck> {
  if (!vkey || s.calldata.publicInputs.length === 0) return fail('proof', 'proof', 'a key and a decoded proof', 'missing')
  if (vkey.key.nPublic !== s.calldata.publicInputs.length) return fail('proof', 'public inputs of the key', s.calldata.publicInputs.length, vkey.key.nPublic)
  // The key names its system (snarkjs keys: protocol "groth16"); that system decodes the proof bytes.
  const name = vkey.key.protocol
  try {
    const system = getProofSystem(name)
    const valid = await system.verify({ verificationKey: vkey.key, proof: system.proofOfCalldata(s.calldata.proof), publicSignals: s.calldata.publicInputs })
    return valid ? pass('proof', `${name} proof verifies off-chain`) : fail('proof', `${name} verify`, true, false)
  } catch (error) {
    return fail('proof', `${name} verify`, true, `an error: ${(error as Error).message}`)
  }
}

export function checkPublicInputs(s: SettlementOnChain): AuditCheck {
  const expected: [string, bigint][] = [
    // The prover the contract paid (AttributionSettled): the id binds it, whoever sent the transaction.
    ['settlementId', settlementId({ chainId: s.chainId, settlementAddress: s.settlement, inferenceId: s.inferenceId, prover: s.event.prover })],
    ['datanetRoot (DatanetRegistry)', s.datanetRoot],
    ['indexRoot (ModelRegistry)', s.model.indexRoot],
    ['queryCommitment (recorded inference)', s.inference.queryCommitment],
    ['pool (recorded inference)', s.inference.poolWei],
  ]
  for (let i = 0; i < expected.length; i++) {
    if (s.calldata.publicInputs[i] !== expected[i][1]) return fail('publicInputs', `public input ${i} ${expected[i][0]}`, expected[i][1], s.calldata.publicInputs[i])
  }
  return pass('publicInputs', `settlementId, roots (datanet ${s.model.datanetId} v${s.model.datanetVersion}, model ${s.model.modelId}), query commitment and pool match the chain`)
}

export function checkModel(s: { model: Pick<SettlementOnChain['model'], 'modelHash' | 'k'> }, model: LoadedModel): AuditCheck {
  if (BigInt(model.manifest.modelHash) !== s.model.modelHash) return fail('model', `modelHash of ${model.dir}`, s.model.modelHash, model.manifest.modelHash)
  if (model.manifest.projection.k !== s.model.k) return fail('model', 'feature count k', s.model.k, model.manifest.projection.k)
  return pass('model', `${model.dir} hashes to the registered model hash`)
}

/**
 * Re-run the model on the query text and find the class whose commitment is the recorded one (the
 * inputHash binds the attributed class and the vectoriser): the check names that class, and fails
 * when no class reproduces the commitment or when it is not `expectedClass` (the auditor's `--class`).
 */
export async function checkQuery(s: SettlementOnChain, model: LoadedModel, text: string | undefined, expectedClass?: number | string) {
  if (text === undefined) return { check: fail('query', 'query text', 'the query (--query-file or the local inference store)', 'none') }
  const found = await queryForCommitment({ model, text, featureFracBits: s.model.featureScale, commitment: s.inference.queryCommitment })
  const q = found.query
  if (!found.matched) {
    return { check: fail('query', 'Poseidon(inputHash, featureHash(phi_q))', s.inference.queryCommitment, q.queryCommitment, `no class of the model (${model.manifest.labels.join(', ')}) reproduces the recorded commitment ${s.inference.queryCommitment} from the query text; the predicted class gives ${q.queryCommitment}`), features: q.features }
  }
  const attributed = q.target
  if (expectedClass !== undefined) {
    const want = queryClassIndex(expectedClass, model.manifest.labels)
    if (want !== attributed.class) return { check: fail('query', 'attributed class', expectedClass, attributed.label), features: q.features, target: attributed }
  }
  const which = attributed.predicted ? 'the predicted class' : `not the predicted class ${q.prediction.label}`
  return { check: pass('query', `re-running the model on the query gives the recorded commitment, which attributes class ${attributed.label} (${which})`), features: q.features, target: attributed }
}

export type LocalRecord = { contributor: string; content: string | Uint8Array; label?: string; leaf: bigint }

export async function checkDatanet(s: SettlementOnChain, records: readonly LocalRecord[], treeDepth: number) {
  const leaves: bigint[] = []
  for (const r of records) leaves.push(await recordLeafOf(r))
  const root = (await buildMerkleTree({ leaves, depth: treeDepth })).root
  if (root === s.datanetRoot) return { leaves, root, check: pass('datanetData', `${records.length} local records hash to the committed root`) }
  const i = leaves.findIndex((leaf, p) => leaf !== records[p].leaf)
  const check = i >= 0
    ? fail('datanetData', `record ${i} contributor, content and label`, `leaf ${records[i].leaf} (as committed)`, `leaf ${leaves[i]} (record changed)`)
    : fail('datanetData', `root of ${records.length} local records`, s.datanetRoot, root)
  return { leaves, root, check }
}

export async function checkIndex(s: SettlementOnChain, p: { model: LoadedModel; records: readonly LocalRecord[]; leaves: bigint[]; root: bigint; params: AttributionParams; index?: AttributionIndex }) {
  const labels = p.model.manifest.labels
  let computed: Awaited<ReturnType<typeof recordFeatures>>
  try {
    computed = await recordFeatures({
      model: p.model, featureFracBits: s.model.featureScale,
      // A stored label is a class name, or a class index written as digits.
      records: p.records.map((r) => ({ content: r.content, label: r.label !== undefined && /^\d+$/.test(r.label) && !labels.includes(r.label) ? Number(r.label) : (r.label ?? labels[0]) })),
    })
  } catch (error) {
    // Records other than the indexed ones (a changed content or label) can give features that do not
    // fit the committed scale: that is a failed check to report, not a crash of the audit.
    if (!(error instanceof ValueOutOfRangeError)) throw error
    return { features: undefined, check: fail('indexFeatures', `features at the registered scale 2^-${s.model.featureScale}`, 'every feature within +-(2^15 - 1)', error.shortMessage) }
  }
  const { features } = computed
  const k = p.model.manifest.projection.k
  if (p.index) {
    const i = firstDiff(Array.from(p.index.features), Array.from(features))
    if (i !== undefined) {
      return { features, check: fail('indexFeatures', `record ${Math.floor(i / k)} feature ${i % k} (local index vs recomputed)`, features[i], p.index.features[i]) }
    }
  }
  const rebuilt = await buildAttributionIndex({
    records: p.leaves.map((leaf) => ({ leaf })), features, k, featureFracBits: s.model.featureScale, treeDepth: p.params.treeDepth,
    datanet: { id: String(s.model.datanetId), version: Number(s.model.datanetVersion), root: p.root },
    model: { name: p.model.manifest.name, modelSha256: p.model.manifest.modelSha256, modelHash: p.model.manifest.modelHash, featuresSha256: p.model.manifest.featuresSha256 },
  })
  if (rebuilt.tree.root !== s.model.indexRoot) return { features, check: fail('indexFeatures', 'index root of the recomputed features', s.model.indexRoot, rebuilt.tree.root) }
  return { features, check: pass('indexFeatures', `features of ${p.records.length} records recomputed with the model give the registered index root`) }
}

export type IdentifyCandidatesParameters = {
  /** The settlement's payout slots (contributor + payout * 2^160, 0 for an empty slot). */
  payoutSlots: readonly bigint[]
  /** The inference's contributor pool. */
  pool: bigint
  /** Every record of the datanet version, in position order, and its recomputed score. */
  records: readonly { contributor: string }[]
  scores: readonly bigint[]
  /** Give up after this many search steps. */
  limit?: number
  /**
   * A further test of a complete set (positions of the active slots): different records of one
   * contributor can give the same split, and a challenger needs the set that opens the settlement's
   * paidLeavesHash.
   */
  accept?: (positions: readonly number[]) => boolean
}

/**
 * Which records the settled slots paid: for each nonempty slot (active slots come first, by
 * increasing position) try the records of that contributor that score above 0, and keep the set whose exact split of
 * the pool equals every slot (and that `accept` takes). Bounded search, pruned by the payout
 * ratios: a_i = floor(P s_i / S) puts s_i / s_0 in [a_i / (a_0 + 1), (a_i + 1) / a_0) when a_0 > 0.
 * Used by the auditor's scores check and by a challenger rebuilding the paid leaves.
 */
export function identifyCandidates({ payoutSlots, pool, records, scores, limit = 200_000, accept }: IdentifyCandidatesParameters): number[] | undefined {
  const slots = payoutSlots.filter((x) => x !== 0n).map(unpackPayoutSlot)
  // Only records that score above 0 can fill a slot (the circuit's rule), so a contributor's records
  // that score 0 or less never widen the search.
  const byContributor = new Map<string, number[]>()
  records.forEach((r, i) => {
    if (scores[i] > 0n) byContributor.set(r.contributor.toLowerCase(), [...(byContributor.get(r.contributor.toLowerCase()) ?? []), i])
  })
  const fitsRatio = (j: number, p: number): boolean => {
    const a0 = slots[0].payout
    if (j === 0 || a0 === 0n) return true
    const s0 = scores[chosen[0]]
    const sj = scores[p]
    const aj = slots[j].payout
    return sj * (a0 + 1n) >= aj * s0 && sj * a0 < (aj + 1n) * s0
  }
  let tries = 0
  const chosen: number[] = []
  const search = (j: number): boolean => {
    if (++tries > limit) return false
    if (j === slots.length) {
      const { payouts } = splitRewards({ pool, scores: chosen.map((p) => scores[p]) })
      return payouts.every((x, i) => x === slots[i].payout) && (accept === undefined || accept(chosen))
    }
    for (const p of byContributor.get(slots[j].contributor.toLowerCase()) ?? []) {
      if ((chosen.length > 0 && p <= chosen[chosen.length - 1]) || !fitsRatio(j, p)) continue
      chosen.push(p)
      if (search(j + 1)) return true
      chosen.pop()
    }
    return false
  }
  return search(0) ? [...chosen] : undefined
}

export function checkScoresPayoutsTopK(s: SettlementOnChain, p: { records: readonly LocalRecord[]; features: Int16Array; query: readonly bigint[]; params: AttributionParams; index?: AttributionIndex }): AuditCheck[] {
  const k = p.params.featureCount
  const scores = scoreReference({ features: p.features, k, query: p.query })
  const paid = identifyCandidates({ payoutSlots: s.event.payoutSlots, pool: s.inference.poolWei, records: p.records, scores })
  const out: AuditCheck[] = []
  if (!paid) {
    out.push(fail('scores', 'scores of the paid records', 'a record set whose scores give the settled split', 'none'))
    out.push(fail('payouts', 'settled payout slots', 'floor(P * s_i / sum s) over some local records', 'no such record set'))
  } else {
    const fromIndex = p.index ? scoreReference({ features: p.index.features, k, query: p.query }) : scores
    const bad = paid.find((pos) => fromIndex[pos] !== scores[pos])
    out.push(bad === undefined
      ? pass('scores', `scores of records [${paid.join(', ')}]: ${paid.map((pos) => scores[pos]).join(', ')}`)
      : fail('scores', `score of record ${bad} (index vs recomputed)`, scores[bad], fromIndex[bad]))
    out.push(pass('payouts', `the settled slots are the exact split of the pool over records [${paid.join(', ')}]`))
  }
  const expected: ScoredRecord[] = candidatesOfScores(scores, p.params.candidateSlots)
  const want = expected.map((c) => c.position).sort((a, b) => a - b)
  const got = paid ?? []
  const missing = expected.find((c) => !got.includes(c.position))
  const extra = got.find((pos) => !want.includes(pos))
  if (missing === undefined && extra === undefined && paid) out.push(pass('topK', `the paid records are the top ${want.length} of ${p.records.length} by score`))
  else if (missing !== undefined) {
    const rank = expected.indexOf(missing) + 1
    out.push(fail('topK', `record ${missing.position} (score ${missing.score}, rank ${rank} of ${p.records.length})`, 'paid as a top-K candidate', paid ? `left out; paid [${got.join(', ')}]` : 'left out'))
  } else out.push(fail('topK', `record ${extra}`, `not a top-K candidate (top: [${want.join(', ')}])`, `paid (score ${scores[extra!]})`))
  return out
}

function firstDiff<T>(a: readonly T[], b: readonly T[]): number | undefined {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return undefined
}
