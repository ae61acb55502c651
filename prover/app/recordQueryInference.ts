import type { ProofSystemName } from '../proof/proofSystems.ts'
import { checkHostsInferenceId, newInferenceId, recordInference, settlementAt } from '../clients/settlementClient.ts'
import { readModelOnChain, type ModelOnChain } from '../clients/modelRegistry.ts'
import { PoaError } from '../errors/index.ts'
import { toFr } from '../field/index.ts'
import { loadModel, queryModel, type LoadedModel, type ProviderRequest } from '../influence/index.ts'
import { homeLayout } from '../layout/index.ts'
import { saveQueryText } from '../node/queryStore.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders } from './appOptions.ts'
import { circuitIdOfDeployedSet } from './circuitIdOfDeployedSet.ts'
import { findLocalModelDir } from './localModels.ts'
import { circuitSetOfRegisteredModel } from './resolveCircuitSet.ts'
import { settlementAddress, signerOf } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'

/** The host has no local copy of the model it records an inference for. */
export class HostModelNotFoundError extends PoaError {
  constructor({ modelId, modelHash, modelsDir, k, projectionSeed }: { modelId: bigint; modelHash: bigint; modelsDir: string; k?: number; projectionSeed?: bigint }) {
    super('HOST_MODEL_NOT_FOUND', 'BAD_INPUT',
      `no model in ${modelsDir} has the hash of on-chain model ${modelId} (0x${modelHash.toString(16)})${k === undefined ? '' : ` with its k = ${k} and projection seed ${projectionSeed}`}: a host computes the query with the model it serves (copy its folder there, or train and register it in this home)`,
      { meta: { modelId, modelHash, modelsDir, k, projectionSeed } })
  }
}

export type RecordQueryInferenceParameters = AppFolders & AppChain & {
  /** On-chain model id. */
  modelId: bigint
  /** The query, exactly as the model sees it (kept in `<home>/queries/` for the prover and the auditor). */
  text?: string
  /** Or a query commitment computed elsewhere (then nothing is computed or kept here). */
  queryCommitment?: bigint
  /** With text: the class to attribute (a label or class index); default the predicted class. The commitment carries it. */
  target?: number | string
  feeWei: bigint
  inferenceId?: string
  /** Circuit the proof must use (default: the deployed verifier of `circuitSet`). */
  circuitId?: string
  /** Default: the set of the model's k and its datanet's depth (resolveCircuitSet.ts). */
  circuitSet?: CircuitSetName
  /** The proof system whose deployed verifier of `circuitSet` names the circuit id (default groth16). */
  system?: ProofSystemName
  permit?: boolean
  /** Host account: development account index or private key (default the chain's signer). */
  account?: number | string
  provider?: ProviderRequest
}

export type RecordQueryInferenceReturnType = {
  inferenceId: string
  modelId: bigint
  /** The local model that answered, and its answer (absent when a commitment was given). */
  localModel?: string
  prediction?: { class: number; label: string; probabilities: number[] }
  /** The attributed class the commitment carries (absent when a commitment was given). */
  target?: { class: number; label: string; predicted: boolean }
  queryCommitment: bigint
  circuitId: string
  feeWei: bigint
  poolWei: bigint
  queryFile?: string
  txHash: string
  gasUsed: bigint
}

/**
 * The model host's job for one paid inference: answer the query with the served model, commit
 * Poseidon(inputHash, featureHash(phi_q)) at the registered model's feature scale, keep the text
 * for provers and auditors (saved before the transaction, so a crash never loses it), and escrow
 * the fee on the settlement under the circuit whose proof will settle it.
 */
export async function recordQueryInference(p: RecordQueryInferenceParameters): Promise<RecordQueryInferenceReturnType> {
  if ((p.text === undefined) === (p.queryCommitment === undefined)) throw new TypeError('recordQueryInference needs exactly one of text and queryCommitment')
  // A commitment given is checked before any chain starts.
  if (p.queryCommitment !== undefined) toFr(p.queryCommitment, 'queryCommitment')
  return withChainSession({ home: p.home, chain: p.chain }, async (chain) => {
    const host = await signerOf(chain, p.account).getAddress()
    const inferenceId = p.inferenceId ?? newInferenceId(host)
    checkHostsInferenceId(inferenceId, host)
    // Read once, and only when the circuit set or the query needs it.
    let read: ModelOnChain | undefined
    const registered = async () => (read ??= await readModelOnChain({ chain, modelId: p.modelId }))
    // Before the query is answered and kept: an inference no circuit can settle is never recorded.
    const circuitId = p.circuitId ?? (await circuitIdOfDeployedSet({ chain, set: circuitSetOfRegisteredModel({ home: p.home, chain, onChain: await registered(), system: p.system, requested: p.circuitSet }), system: p.system }))
    let answered: Pick<RecordQueryInferenceReturnType, 'localModel' | 'prediction' | 'target' | 'queryFile'> = {}
    let queryCommitment = p.queryCommitment
    if (p.text !== undefined) {
      const onChain = await registered()
      const dir = findLocalModelDir(p.home, onChain.modelHash, onChain)
      if (!dir) throw new HostModelNotFoundError({ modelId: p.modelId, modelHash: onChain.modelHash, modelsDir: homeLayout(p.home).modelsDir, k: onChain.k, projectionSeed: onChain.projectionSeed })
      const model: LoadedModel = await loadModel(dir)
      const query = await queryModel({ model, text: p.text, target: p.target, featureFracBits: onChain.featureScale, provider: p.provider })
      queryCommitment = query.queryCommitment
      // Kept before the transaction: a crash in between never loses the text of a recorded inference.
      answered = { localModel: model.manifest.name, prediction: query.prediction, target: query.target, queryFile: await saveQueryText({ home: p.home, inferenceId, text: p.text }) }
    }
    const settlement = settlementAddress(chain)
    const tx = await recordInference({
      settlement, signer: signerOf(chain, p.account), modelId: p.modelId, inferenceId, circuitId,
      queryCommitment: queryCommitment!, feeWei: p.feeWei, authorization: p.permit ? 'permit' : 'approve',
    })
    const inf = await (await settlementAt(settlement, chain.provider)).inference(inferenceId)
    return { inferenceId, modelId: p.modelId, ...answered, queryCommitment: queryCommitment!, circuitId, feeWei: p.feeWei, poolWei: BigInt(inf.pool), txHash: tx.txHash, gasUsed: tx.gasUsed }
  })
}
