import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PoaError, jsonSafe } from '../errors/index.ts'
import { loadAttributionIndex } from '../index/index.ts'
import { loadModel } from '../influence/index.ts'
import { homeLayout } from '../layout/index.ts'
import { readDatanetRoot } from '../clients/datanetRegistry.ts'
import { readModelOnChain } from '../clients/modelRegistry.ts'
import { settlementAt } from '../clients/settlementClient.ts'
import { proveRecordedInference } from '../node/proveRecordedInference.ts'
import { notPendingReason } from '../node/submitSettlement.ts'
import type { ProofPackage } from '../proof/proofPackage.ts'
import { CIRCUIT_SETS, CIRCUIT_SET_NAMES, type CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { findLocalDatanetVersion, findLocalModelDir } from './localModels.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** What this home lacks, or what the chain says, that stops it proving an inference. */
export class InferenceNotProvableError extends PoaError {
  constructor({ inferenceId, reason }: { inferenceId: string; reason: string }) {
    super('INFERENCE_NOT_PROVABLE', 'BAD_INPUT', `inference ${inferenceId}: ${reason}`, { meta: { inferenceId, reason } })
  }
}

export type ProveInferenceParameters = AppFolders & AppChain & AppReporting & {
  inferenceId: string
  /** The circuit parameter set whose keys prove it; its circuit id must be the one the inference was recorded under. */
  circuitSet?: CircuitSetName
  /** Where to write the proof package (default `<home>/proofs/<inference-id>.json`, what `poa settle <inference-id>` reads). */
  out?: string
  /** The prover-fee recipient the proof binds (default: this chain's signer, who will send settle). */
  prover?: string
  workers?: number
  /** The class the recorded commitment must attribute (a label or index); default: whichever it carries. */
  target?: number | string
}

export type ProveInferenceReturnType = { inferenceId: string; file: string; pkg: ProofPackage; modelId: bigint; candidates: number; scoringMs: number; provingMs: number }

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
  const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet: p.circuitSet ?? 'tiny', buildDir: p.buildDir, log: p.log })
  return withChainSession({ home: p.home, chain: p.chain, onProgress: p.onProgress }, async (chain) => {
    const settlement = settlementAddress(chain)
    const late = await notPendingReason(chain, settlement, id)
    if (late) throw fail(late)
    const recorded = await (await settlementAt(settlement, chain.provider)).inference(id)
    const onChain = await readModelOnChain({ chain, modelId: BigInt(recorded.modelId) })
    const dir = findLocalModelDir(p.home, onChain.modelHash)
    if (!dir) throw fail(`no model in ${homeLayout(p.home).modelsDir} has the hash of its model #${onChain.modelId} (a prover needs the model it proves for)`)
    const model = await loadModel(dir)
    const version = Number(onChain.datanetVersion)
    const served = await withDatanetStore(p.home, async (store) => {
      const local = findLocalDatanetVersion(store, version, await readDatanetRoot({ chain, datanetId: onChain.datanetId, version: BigInt(version) }))
      if (!local) throw fail(`no local datanet holds on-chain datanet ${onChain.datanetId} v${version} (import the same records: the roots must match)`)
      const index = await loadAttributionIndex(homeLayout(p.home).indexDir(model.dir, String(local.datanet.id), version)).catch(() => undefined)
      if (!index) throw fail(`model "${model.manifest.name}" has no index over datanet "${local.datanet.name}" v${version} (poa model index)`)
      if (index.tree.root !== onChain.indexRoot) throw fail(`the local index root 0x${index.tree.root.toString(16)} is not the registered 0x${onChain.indexRoot.toString(16)}`)
      // Before scoring: a circuit proves only an index of its own depth and feature count.
      const { treeDepth, k } = index.manifest
      if (treeDepth !== params.treeDepth || k !== params.featureCount) {
        const fits = CIRCUIT_SET_NAMES.filter((name) => CIRCUIT_SETS[name].treeDepth === treeDepth && CIRCUIT_SETS[name].featureCount === k)
        throw fail(`circuit set "${p.circuitSet ?? 'tiny'}" proves depth ${params.treeDepth} and k = ${params.featureCount}, the index has depth ${treeDepth} and k = ${k} (${fits.length ? `use --circuit ${fits.join(' or ')}` : 'no circuit set fits: create the datanet with --depth and train with --k of a set'})`)
      }
      return { modelId: onChain.modelId, model, index, records: store.getRecords(local.datanet.id, version), featureScale: onChain.featureScale }
    })
    if (keys.circuitId.toLowerCase() !== String(recorded.circuitId).toLowerCase()) {
      throw fail(`it was recorded for circuit ${recorded.circuitId}; the keys of circuit set "${p.circuitSet ?? 'tiny'}" have id ${keys.circuitId} (pick the set, or the keys, of that circuit)`)
    }
    const attributed = await proveRecordedInference({
      home: p.home, chain, settlement, inferenceId: id, served, circuit, keys, params, prover: p.prover ?? chain.signerAddress, target: p.target,
      scoring: { workers: p.workers ?? 1 }, onProgress: (p.onProgress ?? noProgress)(`proving ${circuit.name}`), signal: p.signal,
    })
    if ('kind' in attributed) throw fail(attributed.reason)
    const file = p.out ?? homeLayout(p.home).proofFile(id)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, `${JSON.stringify(jsonSafe(attributed.pkg), null, 1)}\n`)
    renameSync(`${file}.tmp`, file)
    return { inferenceId: id, file, pkg: attributed.pkg, modelId: onChain.modelId, candidates: attributed.candidates.length, scoringMs: attributed.scoringMs, provingMs: attributed.provingMs }
  })
}
