import type { ProofSystemName } from '../proof/proofSystems.ts'
import type { ProviderRequest, ScoringBackendRequest } from '../influence/index.ts'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PoaError, jsonSafe } from '../errors/index.ts'
import { homeLayout } from '../layout/index.ts'
import { settlementAt } from '../clients/settlementClient.ts'
import { proveRecordedInference } from '../node/proveRecordedInference.ts'
import { notPendingReason } from '../node/submitSettlement.ts'
import type { ProofPackage } from '../proof/proofPackage.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { circuitSetOfInference } from './resolveCircuitSet.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'
import { loadServedInference } from './servedInference.ts'

/** What this home lacks, or what the chain says, that stops it proving an inference. */
export class InferenceNotProvableError extends PoaError {
  constructor({ inferenceId, reason }: { inferenceId: string; reason: string }) {
    super('INFERENCE_NOT_PROVABLE', 'BAD_INPUT', `inference ${inferenceId}: ${reason}`, { meta: { inferenceId, reason } })
  }
}

export type ProveInferenceParameters = AppFolders & AppChain & AppReporting & {
  inferenceId: string
  /** The circuit parameter set whose keys prove it (default: its model's, resolveCircuitSet.ts); its circuit id must be the one the inference was recorded under. */
  circuitSet?: CircuitSetName
  /** The proof system (default groth16; ultrahonk proves the Noir version of the same statement). */
  system?: ProofSystemName
  /** Where to write the proof package (default `<home>/proofs/<inference-id>.json`, what `poa settle <inference-id>` reads). */
  out?: string
  /** The prover-fee recipient the proof binds (default: this chain's signer, who will send settle). */
  prover?: string
  workers?: number
  /** Scoring backend and its onnxruntime provider (scoringBackend.ts; default 'auto', 'auto'). */
  scoring?: ScoringBackendRequest
  provider?: ProviderRequest
  /** The class the recorded commitment must attribute (a label or index); default: whichever it carries. */
  target?: number | string
}

/** One proven candidate: its datanet position, contributor, exact score (scale 2^32) and payout. */
export type ProvenContributor = { position: number; contributor: string; score: bigint; payoutWei: bigint }

export type ProveInferenceReturnType = {
  inferenceId: string; file: string; pkg: ProofPackage; modelId: bigint; candidates: number; scoringMs: number; provingMs: number
  /** The proven candidates, score descending. */
  contributors: ProvenContributor[]
  /** Records scored, and how many scored above zero. */
  scored: { records: number; positive: number }
  /** Which prover made the proof, and why not the native one when it was not. */
  prover: 'native' | 'snarkjs' | 'bb.js'
  proverNote?: string
  /** Groth16: which witness generator ran, and why not the native one when it was not. */
  witnessGenerator?: 'native' | 'wasm'
  witnessNote?: string
}

/**
 * The prover's job for one recorded inference, from the chain and this home alone: read the
 * inference and its registered model, find the local copy of that model (by hash) and of the
 * datanet version (by root), open the model's index over it (its root must be the registered one),
 * recompute the query from the saved text, score every record, prove the top candidates with keys
 * whose circuit id is the one recorded, and write the proof package.
 */
export async function proveInference(p: ProveInferenceParameters): Promise<ProveInferenceReturnType> {
  const id = p.inferenceId.toLowerCase()
  const fail = (reason: string) => new InferenceNotProvableError({ inferenceId: id, reason })
  // Before the chain session: a first dev setup takes minutes, and the embedded chain's lock would be held meanwhile.
  const circuitSet = p.circuitSet ?? (await circuitSetOfInference({ ...p, inferenceId: id, fail }))
  const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet, system: p.system, buildDir: p.buildDir, log: p.log })
  return withChainSession({ home: p.home, chain: p.chain, onProgress: p.onProgress }, async (chain) => {
    const settlement = settlementAddress(chain)
    const late = await notPendingReason(chain, settlement, id)
    if (late) throw fail(late)
    const recorded = await (await settlementAt(settlement, chain.provider)).inference(id)
    const served = await loadServedInference({ home: p.home, chain, modelId: BigInt(recorded.modelId), params, circuitSet, fail })
    if (keys.circuitId.toLowerCase() !== String(recorded.circuitId).toLowerCase()) {
      throw fail(`it was recorded for circuit ${recorded.circuitId}; the keys of circuit set "${circuitSet}" have id ${keys.circuitId} (pick the set, or the keys, of that circuit)`)
    }
    const attributed = await proveRecordedInference({
      home: p.home, chain, settlement, inferenceId: id, served, circuit, keys, params, prover: p.prover ?? chain.signerAddress, target: p.target,
      scoring: { workers: p.workers ?? 1, backend: p.scoring, provider: p.provider }, onProgress: (p.onProgress ?? noProgress)(`proving ${circuit.name}`), signal: p.signal,
    })
    if ('kind' in attributed) throw fail(attributed.reason)
    const file = p.out ?? homeLayout(p.home).proofFile(id)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, `${JSON.stringify(jsonSafe(attributed.pkg), null, 1)}\n`)
    renameSync(`${file}.tmp`, file)
    // The witness lists candidates in position order; attributed.candidates is score descending.
    const byPosition = [...attributed.candidates].map((c) => c.position).sort((a, b) => a - b)
    const w = attributed.witness
    const contributors = attributed.candidates.map((c) => {
      const i = byPosition.indexOf(c.position)
      return { position: c.position, contributor: w.contributors[i], score: c.score, payoutWei: w.payouts[i] }
    })
    return {
      inferenceId: id, file, pkg: attributed.pkg, modelId: served.modelId, candidates: attributed.candidates.length, scoringMs: attributed.scoringMs, provingMs: attributed.provingMs,
      contributors, scored: { records: attributed.distribution.count, positive: attributed.distribution.positive },
      prover: attributed.prover, proverNote: attributed.proverNote, witnessGenerator: attributed.witnessGenerator, witnessNote: attributed.witnessNote,
    }
  })
}
