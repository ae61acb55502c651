import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PoaChain } from '../chain/connectChain.ts'
import { readModelOnChain, type ModelOnChain } from '../clients/modelRegistry.ts'
import { INFERENCE_STATUS, settlementAt } from '../clients/settlementClient.ts'
import { PoaError } from '../errors/index.ts'
import { CIRCUIT_SETS, circuitSetFor, circuitSetsOfK, describeCircuitSets, type CircuitSetName } from '../proof/circuitParams.ts'
import { DEFAULT_PROOF_SYSTEM, type ProofSystemName } from '../proof/proofSystemNames.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { verifierNameOfSet } from './circuitIdOfDeployedSet.ts'
import { findLocalModelDir } from './localModels.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'

/*
 * `--circuit auto`, the default of every command that proves, records or challenges a model's
 * inference: a circuit proves exactly one (k, depth), so the model's feature count and its datanet's
 * depth name the set. A default of one fixed set made a host record a k = 128 model's inference
 * under the k = 8 circuit, which no proof can ever settle.
 */

/** `--circuit auto` cannot tell which set proves a model's inferences: the user must name it. */
export class CircuitSetUnresolvedError extends PoaError {
  constructor({ what, reason }: { what: string; reason: string }) {
    super('CIRCUIT_SET_UNRESOLVED', 'BAD_INPUT', `--circuit auto: ${what}: ${reason}; name the set with --circuit (${describeCircuitSets()})`, { meta: { what, reason } })
  }
}

/** k and tree depth of this home's index of a model over `datanetVersion` with root `indexRoot`, if it holds one. */
function localIndexShape(modelDir: string, datanetVersion: number, indexRoot: bigint): { k: number; treeDepth: number } | undefined {
  const root = join(modelDir, 'index')
  if (!existsSync(root)) return undefined
  for (const datanet of readdirSync(root).sort()) {
    try {
      // Only the small manifest is read: the features may be hundreds of MiB.
      const manifest = JSON.parse(readFileSync(join(root, datanet, `v${datanetVersion}`, 'index.json'), 'utf8')) as { root?: string; k?: number; treeDepth?: number }
      if (manifest.root !== undefined && BigInt(manifest.root) === indexRoot && Number.isInteger(manifest.k) && Number.isInteger(manifest.treeDepth)) {
        return { k: manifest.k!, treeDepth: manifest.treeDepth! }
      }
    } catch {
      /* no index of that version there */
    }
  }
  return undefined
}

/** Whether this chain's deployment holds the verifier of a set under a proof system. */
function deployedSet(chain: PoaChain, set: CircuitSetName, system: ProofSystemName): boolean {
  return chain.deployment.contracts[verifierNameOfSet(set, system)] !== undefined
}

/** A set named with --circuit cannot prove the model's inferences: its k is not the registered one. */
export class CircuitSetMismatchError extends PoaError {
  constructor({ set, modelId, k }: { set: CircuitSetName; modelId: bigint; k: number }) {
    const fits = circuitSetsOfK(k)
    super('CIRCUIT_SET_MISMATCH', 'BAD_INPUT',
      `--circuit ${set} proves k = ${CIRCUIT_SETS[set].featureCount} features, and model #${modelId} is registered with k = ${k}: no proof could settle this inference (${fits.length ? `--circuit auto, or one of ${fits.join(', ')}` : 'no circuit set proves that k'})`,
      { meta: { set, modelId, k } })
  }
}

/**
 * The set that proves inferences of a registered model (`onChain`, as readModelOnChain reads it): its
 * registered k, and the depth of this home's index with the registered root; a home without that
 * index (a host serving only the model) takes the one set of that k whose verifier this chain
 * deploys under `system`. A `requested` set is only checked against the registered k.
 */
export function circuitSetOfRegisteredModel({ home, chain, onChain, system = DEFAULT_PROOF_SYSTEM, requested }: { home: string; chain: PoaChain; onChain: ModelOnChain; system?: ProofSystemName; requested?: CircuitSetName }): CircuitSetName {
  const { modelId } = onChain
  if (requested !== undefined) {
    if (CIRCUIT_SETS[requested].featureCount !== onChain.k) throw new CircuitSetMismatchError({ set: requested, modelId, k: onChain.k })
    return requested
  }
  const what = `model #${modelId}`
  const dir = findLocalModelDir(home, onChain.modelHash, onChain)
  const shape = dir === undefined ? undefined : localIndexShape(dir, Number(onChain.datanetVersion), onChain.indexRoot)
  if (shape) return circuitSetFor({ featureCount: shape.k, treeDepth: shape.treeDepth, what })
  const ofK = circuitSetsOfK(onChain.k)
  if (ofK.length === 0) throw new CircuitSetUnresolvedError({ what, reason: `it is registered with k = ${onChain.k}, which no circuit set proves` })
  const deployed = ofK.filter((set) => deployedSet(chain, set, system))
  if (deployed.length === 1) return deployed[0]
  const missing = dir === undefined ? 'this home holds no copy of it' : `this home holds no index of it with the registered root 0x${onChain.indexRoot.toString(16)}`
  throw new CircuitSetUnresolvedError({
    what,
    reason: `${missing} (whose depth would decide), and of the sets of its k = ${onChain.k} (${ofK.join(', ')}) this chain deploys ${deployed.length === 0 ? 'no' : deployed.join(' and ')} ${system} verifier${deployed.length === 1 ? '' : 's'}`,
  })
}

/**
 * The set that proves the node's served models over a local datanet of `treeDepth`: every model
 * must have the same k, since a node proves with one circuit.
 */
export function circuitSetOfServedModels({ models, treeDepth, datanet }: { models: readonly { name: string; k: number }[]; treeDepth: number; datanet: string }): CircuitSetName {
  const ks = [...new Set(models.map((m) => m.k))]
  if (ks.length !== 1) {
    throw new CircuitSetUnresolvedError({ what: `models ${models.map((m) => `${m.name} (k = ${m.k})`).join(', ')}`, reason: 'a node proves with one circuit, and these need different ones (run a node per circuit set)' })
  }
  return circuitSetFor({ featureCount: ks[0], treeDepth, what: `model${models.length > 1 ? 's' : ''} ${models.map((m) => m.name).join(', ')} over datanet "${datanet}"` })
}

/**
 * The set of a recorded inference's model, read in a chain session of its own: the callers make
 * the set's keys before their main session (a first dev setup takes minutes, and the embedded
 * chain's lock would be held meanwhile). `fail` names an unknown inference.
 */
export async function circuitSetOfInference(p: AppFolders & AppChain & Pick<AppReporting, 'onProgress'> & { inferenceId: string; system?: ProofSystemName; fail: (reason: string) => Error }): Promise<CircuitSetName> {
  return withChainSession({ home: p.home, chain: p.chain, onProgress: p.onProgress }, async (chain) => {
    const settlement = settlementAddress(chain)
    const recorded = await (await settlementAt(settlement, chain.provider)).inference(p.inferenceId)
    if (Number(recorded.status) === INFERENCE_STATUS.None) throw p.fail(`no inference with this id on settlement ${settlement}`)
    return circuitSetOfRegisteredModel({ home: p.home, chain, onChain: await readModelOnChain({ chain, modelId: BigInt(recorded.modelId) }), system: p.system })
  })
}
