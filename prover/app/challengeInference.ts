import { PoaError } from '../errors/index.ts'
import { INFERENCE_STATUS, settlementAt } from '../clients/settlementClient.ts'
import { challengeRecordedInference, type ChallengeFound, type NoFault } from '../node/challengeRecordedInference.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { ProofSystemName } from '../proof/proofSystems.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { circuitSetOfInference } from './resolveCircuitSet.ts'
import { loadServedInference } from './servedInference.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'

/** What this home lacks to check (and challenge) a settlement. */
export class InferenceNotChallengeableError extends PoaError {
  constructor({ inferenceId, reason }: { inferenceId: string; reason: string }) {
    super('INFERENCE_NOT_CHALLENGEABLE', 'BAD_INPUT', `inference ${inferenceId}: ${reason}`, { meta: { inferenceId, reason } })
  }
}

export type ChallengeInferenceParameters = AppFolders & AppChain & AppReporting & {
  inferenceId: string
  /** The circuit set the inference was proven with (its challenge circuit proves the fault); default: its model's (resolveCircuitSet.ts). */
  circuitSet?: CircuitSetName
  /** The proof system the inference was settled with (default groth16): its challenge circuit in that system proves the fault. */
  system?: ProofSystemName
  /** Challenge with this record (default: the best-scoring record the settlement left out). */
  position?: number
  /** Find and prove the fault, but do not send the challenge. */
  dryRun?: boolean
}

export type ChallengeInferenceReturnType = (ChallengeFound | NoFault) & { inferenceId: string }

/**
 * The validator's check of one settlement from the chain and this home's copies: recompute the
 * scores, rebuild the paid leaves, and challenge it (inside the window) when a left-out record scores
 * above its threshold. `kind` says what happened: challenged, proved (dry run), stands, or none
 * (no settlement to challenge, or the window closed).
 */
export async function challengeInference(p: ChallengeInferenceParameters): Promise<ChallengeInferenceReturnType> {
  const id = p.inferenceId.toLowerCase()
  const fail = (reason: string) => new InferenceNotChallengeableError({ inferenceId: id, reason })
  const circuitSet = p.circuitSet ?? (await circuitSetOfInference({ ...p, inferenceId: id, fail }))
  // Keys before the chain session: a first dev setup takes minutes, and the embedded chain's lock would be held meanwhile.
  const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet, statement: 'challenge', system: p.system, buildDir: p.buildDir, log: p.log })
  return withChainSession({ home: p.home, chain: p.chain, onProgress: p.onProgress }, async (chain) => {
    const settlement = settlementAddress(chain)
    const recorded = await (await settlementAt(settlement, chain.provider)).inference(id)
    if (Number(recorded.status) === INFERENCE_STATUS.None) throw fail(`no inference with this id on settlement ${settlement}`)
    const served = await loadServedInference({ home: p.home, chain, modelId: BigInt(recorded.modelId), params, circuitSet, fail })
    const result = await challengeRecordedInference({
      home: p.home, chain, settlement, inferenceId: id, served, circuit, keys, params, position: p.position, send: !p.dryRun,
      onProgress: (p.onProgress ?? noProgress)(`proving ${circuit.name}`), signal: p.signal,
    })
    return { ...result, inferenceId: id }
  })
}
