import { PoaError } from '../errors/index.ts'
import type { AttributionIndex } from '../index/index.ts'
import { createScoringBackend, selectTopK, type ProviderRequest, type ScoreDistribution, type ScoredRecord, type ScoringBackendRequest, type ScoringPool } from '../influence/index.ts'
import { settlementId, witnessFromIndex, type AttributionParams, type BuildAttributionWitnessReturnType } from '../witness/index.ts'
import type { ProveAttributionParameters, ProveProgress, ProvingKeys } from './proveAttribution.ts'
import type { ProofSystemName } from './proofSystem.ts'
import { DEFAULT_PROOF_SYSTEM, getProofSystem } from './proofSystems.ts'
import type { ProofPackage } from './proofPackage.ts'

/**
 * The one path from a recorded inference to its proof, shared by `poa demo`, `poa node` and the
 * auditor's re-check: score the whole index against the query features, choose the candidates by
 * the rule below, build the witness, prove with the keys' proof system (Groth16: in a worker thread). The circuit and its keys are passed
 * in (prover/ never imports ceremony/ or cli/).
 *
 * Candidate rule: the K = candidateSlots records with the highest score <phi_i, phi_q> over the
 * whole index (ties: the lower position first), keeping only those with a positive score (a
 * non-positive score would be paid 0 anyway). `chooseCandidates` is that rule; the auditor applies
 * it to its own recomputed scores.
 */
export type AttributeInferenceParameters = {
  /** The compiled circuit: circom's for Groth16, a Noir program for UltraHonk. */
  circuit: ProveAttributionParameters['circuit']
  /** The circuit's keys; `system` picks the proof system that proves with them (default groth16). */
  keys: ProvingKeys & { system?: ProofSystemName }
  params: AttributionParams
  /** The model's attribution index over the datanet version the model was registered with. */
  index: AttributionIndex
  /** That version's records in position order, labels as stored (the leaf commits them). */
  records: readonly { contributor: string; content: string | Uint8Array; label?: string }[]
  /** The query as committed: inputHash = contentHash(query text), features = phi_q at the index's scale. */
  query: { inputHash: bigint; features: readonly bigint[] }
  /** Contributor reward pool of the inference, OPEN wei (the settlement's `inference(id).pool`). */
  poolWei: bigint
  /**
   * Which settlement the proof is bound to (settlementId = H(chainId, address, inferenceId, prover) >> 8).
   * `prover` is the prover-fee recipient: the account that will send settle (with prover = 0) or the
   * address it will name; the contract rejects the proof for any other recipient.
   */
  settlement: { chainId: bigint; address: string; inferenceId: string; prover: string }
  /**
   * Scoring: a long-lived pool (a node), or a one-shot one: its threads (default 1) and backend
   * (scoringBackend.ts; default 'auto' on provider 'auto': onnxruntime on CUDA when it opens, else native).
   */
  scoring?: { pool: ScoringPool } | { workers: number; backend?: ScoringBackendRequest; provider?: ProviderRequest }
  /**
   * Explicit candidate positions instead of the rule (a full-coverage shard, or a test's dishonest
   * prover): the circuit proves any valid split over them; only the auditor's top-K check objects.
   */
  positions?: readonly number[]
  /** Called as each stage starts (a node records the stage in its job queue). */
  onStage?: (stage: 'scoring' | 'proving') => void | Promise<void>
  onProgress?: (p: ProveProgress) => void
  signal?: AbortSignal
}

export type AttributeInferenceReturnType = {
  pkg: ProofPackage
  /** Chosen candidates, score descending (the rule's order). */
  candidates: ScoredRecord[]
  /** The witness (per candidate, in position order: contributors, scores, payouts). */
  witness: BuildAttributionWitnessReturnType
  distribution: ScoreDistribution
  workers: number
  scoringMs: number
  provingMs: number
  /** Which prover ran: Groth16's native one or snarkjs (proverNote says why), or UltraHonk's bb.js. */
  prover: 'native' | 'snarkjs' | 'bb.js'
  /** Why snarkjs ran instead of the native prover (POA_PROVER, or the native build's failure). */
  proverNote?: string
  /** Groth16: which witness generator ran (native, or wasm: witnessNote says why). */
  witnessGenerator?: 'native' | 'wasm'
  witnessNote?: string
}

/** An explicit candidate list the circuit cannot take: too many, repeated, or outside the index. */
export class CandidatePositionsError extends PoaError {
  constructor({ positions, reason }: { positions: readonly number[]; reason: string }) {
    super('CANDIDATE_POSITIONS', 'USAGE', `positions [${positions.join(', ')}]: ${reason}`, { meta: { positions: [...positions], reason } })
  }
}

/** The candidate rule applied to a top-K list (score descending, ties by lower position): keep positive scores. */
export function chooseCandidates(top: readonly ScoredRecord[]): ScoredRecord[] {
  return top.filter((t) => t.score > 0n)
}

/** The rule over every score of the index (exact bigint scores, as the auditor recomputes them). */
export function candidatesOfScores(scores: readonly bigint[], candidateSlots: number): ScoredRecord[] {
  // |score| <= k * (2^15)^2 < 2^53 for k < 2^23: a Float64Array holds every score exactly.
  return chooseCandidates(selectTopK(Float64Array.from(scores, Number), candidateSlots))
}

export async function attributeInference(p: AttributeInferenceParameters): Promise<AttributeInferenceReturnType> {
  const { params, index } = p
  const count = index.manifest.count
  const startScoring = performance.now()
  await p.onStage?.('scoring')
  const ownPool = p.scoring && 'pool' in p.scoring ? undefined : createScoringBackend({ workers: p.scoring?.workers ?? 1, scoring: p.scoring?.backend, provider: p.scoring?.provider })
  const pool = ownPool ?? (p.scoring as { pool: ScoringPool }).pool
  let scored
  try {
    scored = await pool.score({ features: index.features, k: index.manifest.k, query: p.query.features, topK: params.candidateSlots, signal: p.signal })
  } finally {
    await ownPool?.destroy()
  }
  let candidates = chooseCandidates(scored.top)
  if (p.positions !== undefined) {
    const seen = new Set(p.positions)
    if (p.positions.length > params.candidateSlots) throw new CandidatePositionsError({ positions: p.positions, reason: `more than K = ${params.candidateSlots}` })
    if (seen.size !== p.positions.length) throw new CandidatePositionsError({ positions: p.positions, reason: 'a position repeats' })
    const bad = p.positions.find((x) => !Number.isInteger(x) || x < 0 || x >= count)
    if (bad !== undefined) throw new CandidatePositionsError({ positions: p.positions, reason: `${bad} is not a position in [0, ${count})` })
    candidates = p.positions.map((position) => ({ position, score: -1n }))
  }
  const scoringMs = performance.now() - startScoring

  const startProving = performance.now()
  await p.onStage?.('proving')
  const witness = await witnessFromIndex({
    params, index, records: p.records, positions: candidates.map((c) => c.position),
    query: p.query, pool: p.poolWei,
    settlementId: settlementId({ chainId: p.settlement.chainId, settlementAddress: p.settlement.address, inferenceId: p.settlement.inferenceId, prover: p.settlement.prover }),
  })
  if (p.positions !== undefined) {
    // witness.scores are in position order: report the explicit candidates with their real scores.
    const sorted = [...p.positions].sort((a, b) => a - b)
    candidates = sorted.map((position, i) => ({ position, score: witness.scores[i] })).sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : a.position - b.position))
  }
  let chosen: { prover: 'native' | 'snarkjs'; reason?: string } | undefined
  let generator: { generator: 'native' | 'wasm'; reason?: string } | undefined
  const pkg = await getProofSystem(p.keys.system ?? DEFAULT_PROOF_SYSTEM).prove({
    circuit: p.circuit, keys: p.keys, params, witness, queryInputHash: p.query.inputHash,
    inferenceId: p.settlement.inferenceId, prover: p.settlement.prover, onProgress: p.onProgress, signal: p.signal,
    onProver: (c) => (chosen = c),
    onWitness: (c) => (generator = c),
  })
  const prover = chosen?.prover ?? 'bb.js'
  return { pkg, candidates, witness, distribution: scored.distribution, workers: pool.workers, scoringMs, provingMs: performance.now() - startProving, prover, proverNote: chosen?.reason, witnessGenerator: generator?.generator, witnessNote: generator?.reason }
}
