import type { ProofSystemName } from '../proof/proofSystems.ts'
import { existsSync, readFileSync } from 'node:fs'
import { loadModel, modelDir, type ProviderRequest, type ScoringBackendRequest } from '../influence/index.ts'
import { homeLayout } from '../layout/index.ts'
import { NodeConfigError, startNode, type NodeCrashPoint, type NodeSummary } from '../node/runNode.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { circuitSetOfServedModels } from './resolveCircuitSet.ts'
import { startNativeWitnessBuild } from '../proof/nativeWitness/nativeWitness.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Options of runProverNode. */
export type RunProverNodeParameters = AppFolders & AppChain & Pick<AppReporting, 'log' | 'onProgress'> & {
  /** Served local models; default: "models" of `<home>/node.json`. */
  models?: string[]
  /** The local datanet the models were indexed on; default: "datanet" of `<home>/node.json`. */
  datanet?: string
  /** Default: the set of the served models' k and the datanet's depth (resolveCircuitSet.ts). */
  circuitSet?: CircuitSetName
  fromBlock?: number
  pollMs?: number
  workers?: number
  /** Scoring backend and its onnxruntime provider (StartNodeParameters.scoring). */
  scoring?: ScoringBackendRequest
  provider?: ProviderRequest
  metricsPort?: number
  untilIdle?: boolean
  settlement?: string
  /** Also check every settlement on the chain within its challenge window and challenge faulty ones. */
  validate?: boolean
  /** Claim settled jobs once their challenge window has passed (default true; StartNodeParameters.claim). */
  claim?: boolean
  /** Prove inferences (default true); false with `validate`: a validator only (StartNodeParameters.prove). */
  prove?: boolean
  /** Hosts' query servers to fetch missing query texts from (StartNodeParameters.querySources). */
  querySources?: string[]
  /** The proof system the node proves with (default groth16); with `validate` it challenges with the same system's challenge circuit. */
  system?: ProofSystemName
  /** Test only (see StartNodeParameters.crashAt). */
  crashAt?: NodeCrashPoint
  /** Called once the node runs, with a way to stop it (the CLI wires SIGINT/SIGTERM to it). */
  onStarted?: (node: { metricsUrl?: string; stop(): void }) => void
}

/** Models and datanet from the options, else from `<home>/node.json` ({"models": [...], "datanet": "..."}). */
function nodeConfig(p: RunProverNodeParameters): { models: string[]; datanet: string } {
  const file = homeLayout(p.home).nodeConfig
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { models?: string[]; datanet?: string }) : {}
  const models = p.models ?? saved.models
  const datanet = p.datanet ?? saved.datanet
  if (!models?.length) throw new NodeConfigError({ option: '--model', reason: `name at least one local model (or "models" in ${file})` })
  if (datanet === undefined) throw new NodeConfigError({ option: '--datanet', reason: `name the local datanet the models were indexed on (or "datanet" in ${file})` })
  return { models, datanet: String(datanet) }
}

/**
 * The prover node on a JSON-RPC chain: prove pending inferences of the served models and settle
 * them, and with `validate` also challenge faulty settlements of them, until stopped (or idle).
 */
export async function runProverNode(p: RunProverNodeParameters): Promise<NodeSummary> {
  if (p.chain?.rpc === undefined) throw new NodeConfigError({ option: '--rpc', reason: 'a node needs a JSON-RPC chain shared with the hosts that record inferences' })
  if (p.prove === false && !p.validate) throw new NodeConfigError({ option: '--no-prove', reason: 'a node that neither proves nor validates has nothing to do (add --validate)' })
  const config = nodeConfig(p)
  const models = await Promise.all(config.models.map((name) => loadModel(modelDir(p.home, name))))
  const circuitSet = p.circuitSet ?? (await withDatanetStore(p.home, (store) => circuitSetOfServedModels({
    models: models.map((m) => ({ name: m.manifest.name, k: m.manifest.projection.k })), treeDepth: store.getDatanet(config.datanet).depth, datanet: config.datanet,
  })))
  const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet, system: p.system, buildDir: p.buildDir, log: p.log })
  if (p.circuitSet === undefined) p.log?.(`node: proving with circuit set ${circuitSet} (${circuit.name}: the models' k and the datanet's depth)`)
  const validator = p.validate ? await ensureCircuitKeys({ circuitSet, statement: 'challenge', system: p.system, buildDir: p.buildDir, log: p.log }) : undefined
  return withDatanetStore(p.home, (store) =>
    withChainSession({ ...p, deploy: false }, async (chain) => {
      const node = await startNode({
        home: p.home, chain, settlement: settlementAddress(chain, p.settlement), models, store, datanet: config.datanet, circuit, keys, params,
        fromBlock: p.fromBlock, pollMs: p.pollMs, workers: p.workers, scoring: p.scoring, provider: p.provider, metricsPort: p.metricsPort, untilIdle: p.untilIdle, log: p.log, crashAt: p.crashAt, claim: p.claim, prove: p.prove, querySources: p.querySources,
        validator: validator && { circuit: validator.circuit, keys: validator.keys },
      })
      p.onStarted?.(node)
      // A node that runs until stopped builds its circuits' native witness generators meanwhile
      // (POA_WITNESS=auto); a one-pass run (--until-idle) would only wait for the compiler.
      if (!p.untilIdle) {
        const builds = new AbortController()
        const circom = [p.prove === false ? undefined : circuit, validator?.circuit].flatMap((c) => (c !== undefined && 'wasmPath' in c ? [c] : []))
        void (async () => {
          for (const c of circom) await startNativeWitnessBuild({ circuit: c, buildDir: p.buildDir, signal: builds.signal, log: (line) => p.log?.(`node: ${line}`) })
        })()
        node.done.then(() => builds.abort(), () => builds.abort()) // not finally(): its copy of a rejection would go unhandled
      }
      return node.done
    }))
}
