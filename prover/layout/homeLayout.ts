import { join } from 'node:path'

/**
 * Every path under a poa home folder (datanets, models, indexes, the embedded chain, the node's
 * queue, saved queries, the ceremony, demo runs). The CLI edge resolves the home (--home, else
 * POA_HOME, else ./.poa); nothing here reads the environment.
 *
 *   <home>/poa.sqlite                                    datanet store
 *   <home>/node.sqlite, <home>/node.json                 the prover node's job queue and config
 *   <home>/chain/journal.jsonl, chain/deployment.json    embedded chain journal and deployment
 *   <home>/chain/deployment-<chainId>.json               deployment on an RPC chain
 *   <home>/models/<name>/                                model.onnx, features.onnx, model.json
 *   <home>/models/<name>/index/<datanetId>/v<version>/   the model's attribution index over a datanet version
 *   <home>/queries/<inferenceId>.txt                     query texts the node and the auditor read
 *   <home>/ceremony/                                     default trusted-setup folder
 *   <home>/demo/run-XXXX/                                one `poa demo` run
 */
export type HomeLayout = {
  readonly root: string
  readonly datanetDb: string
  readonly nodeQueueDb: string
  readonly nodeConfig: string
  readonly chainDir: string
  readonly chainJournal: string
  /** Written by `poa chain serve` while it serves this home's chain: pid and URL. */
  readonly chainNodeFile: string
  /** Output of a `poa chain start`ed node. */
  readonly chainNodeLog: string
  /** The deployment file of the embedded chain, or of an RPC chain by id. */
  deploymentFile(target: { embedded: boolean; chainId: bigint }): string
  readonly modelsDir: string
  /** Folder of one model (the name is checked by prover/influence's modelDir). */
  modelDir(name: string): string
  /** The attribution index of a model folder over one datanet version. */
  indexDir(modelDir: string, datanetId: string, version: number): string
  readonly queriesDir: string
  /** Proof packages `poa prove <inference-id>` writes and `poa settle <inference-id>` reads. */
  readonly proofsDir: string
  proofFile(inferenceId: string): string
  /** The saved query text of an inference (the id is checked by prover/node's queryStore). */
  queryFile(inferenceId: string): string
  readonly ceremonyDir: string
  readonly demoDir: string
}

/** Paths under the poa home folder `home`. */
export function homeLayout(home: string): HomeLayout {
  const chainDir = join(home, 'chain')
  const modelsDir = join(home, 'models')
  const queriesDir = join(home, 'queries')
  return {
    root: home,
    datanetDb: join(home, 'poa.sqlite'),
    nodeQueueDb: join(home, 'node.sqlite'),
    nodeConfig: join(home, 'node.json'),
    chainDir,
    chainJournal: join(chainDir, 'journal.jsonl'),
    chainNodeFile: join(chainDir, 'node.json'),
    chainNodeLog: join(chainDir, 'node.log'),
    deploymentFile: ({ embedded, chainId }) => join(chainDir, embedded ? 'deployment.json' : `deployment-${chainId}.json`),
    modelsDir,
    modelDir: (name) => join(modelsDir, name),
    indexDir: (modelDir, datanetId, version) => join(modelDir, 'index', encodeURIComponent(datanetId), `v${version}`),
    queriesDir,
    proofsDir: join(home, 'proofs'),
    proofFile: (inferenceId) => join(home, 'proofs', `${inferenceId.toLowerCase()}.json`),
    queryFile: (inferenceId) => join(queriesDir, `${inferenceId}.txt`),
    ceremonyDir: join(home, 'ceremony'),
    demoDir: join(home, 'demo'),
  }
}
