// Shared world of the audit and node tests: Hardhat's in-process chain served over JSON-RPC (so
// node child processes can share it), the core contracts + settlement with the tiny circuit's
// dev verifier (or the Noir programs' UltraHonk verifiers), a Spam Assassin datanet committed on-chain, a trained model registered with its
// attribution index, and helpers that record inferences and settle them (honestly or not).
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { parseUnits, type Signer } from 'ethers'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_PARAMS, TINY_SPEC, challengeSpec } from '../prover/proof/circuitParams.ts'
import { ensureDevKeys, type DevKeys } from '../ceremony/devSetup.ts'
import { createHardhatNetwork, getHardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { connectChain, type PoaChain } from '../prover/chain/connectChain.ts'
import { ensureSettlement } from '../prover/clients/settlementSetup.ts'
import { NO_CHALLENGE_GAME, type ChallengeGameParameters } from '../prover/clients/settlementDeploy.ts'
import { commitDatanetVersion } from '../prover/clients/commitDatanetVersion.ts'
import { registerModelOnChain } from '../prover/clients/modelRegistry.ts'
import { newInferenceId, recordInference, settleProofPackage, settlementAt } from '../prover/clients/settlementClient.ts'
import { openDatanetStore, type StoredRecord } from '../prover/datanet/index.ts'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { buildModelIndex, loadModel, modelDir, queryModel, saveModel, trainModel, type LoadedModel } from '../prover/influence/index.ts'
import { indexDir, saveAttributionIndex, type AttributionIndex } from '../prover/index/index.ts'
import { attributeInference } from '../prover/proof/attributeInference.ts'
import { saveQueryText } from '../prover/node/queryStore.ts'
import { ensureCircuitKeys } from '../prover/app/ensureCircuitKeys.ts'
import type { NoirCircuit } from '../prover/proof/noir/index.ts'
import type { ProofSystemName } from '../prover/proof/proofSystems.ts'
import type { AttributionParams } from '../prover/proof/circuitParams.ts'

/** Hardhat's default accounts #0..#4 (funded on the served network). */
export const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
] as const

export const MODEL = 'spam-linear'
export const PARAMS = TINY_PARAMS

export type World = {
  url: string
  home: string
  chain: PoaChain
  settlement: string
  /** The attribution circuit's parameters (PARAMS unless createWorld was given others). */
  params: AttributionParams
  /** The attribution circuit inferences are recorded for: circom's (Groth16) or the Noir program (UltraHonk). */
  circuit: CompiledCircuit | NoirCircuit
  keys: DevKeys
  datanetId: number
  version: number
  records: StoredRecord[]
  model: LoadedModel
  index: AttributionIndex
  modelId: bigint
  /** Held-out mails usable as queries. */
  queries: string[]
  close(): Promise<void>
}

type Server = { listen(): Promise<{ address: string; port: number }>; close(): Promise<void> }

/**
 * Start a JSON-RPC chain and build the whole world in `home` (about 20 s with cached circuit keys).
 * By default the tiny circom circuit with Groth16; `system: 'ultrahonk'` approves the Noir programs
 * of `params` instead (their dev UltraHonk keys), for settlements and challenges proven by UltraHonk.
 */
export async function createWorld({ home, records: n = 48, game, system = 'groth16', params = PARAMS }: {
  home: string; records?: number; game?: ChallengeGameParameters; system?: ProofSystemName; params?: AttributionParams
}): Promise<World> {
  let circuit: World['circuit']
  let keys: DevKeys
  let challenge: { circuitName: string; keys: DevKeys } | undefined
  if (system === 'ultrahonk') {
    ;({ circuit, keys } = await ensureCircuitKeys({ params, system }))
    // With a challenge game, the Noir challenge program's verifier is approved too.
    if (game) challenge = await ensureCircuitKeys({ params, system, statement: 'challenge' })
  } else {
    if (params !== PARAMS) throw new TypeError('createWorld: a Groth16 world is the tiny circuit (PARAMS)')
    circuit = await compileCircuit(TINY_SPEC)
    keys = await ensureDevKeys(circuit)
    // With a challenge game, the tiny challenge circuit's verifier is approved too.
    if (game) challenge = { circuitName: challengeSpec(TINY_PARAMS).name, keys: await ensureDevKeys(await compileCircuit(challengeSpec(TINY_PARAMS))) }
  }
  const hre = await getHardhatRuntime()
  const { JsonRpcServer } = createRequire(import.meta.url)('hardhat/internal/hardhat-network/jsonrpc/server') as {
    JsonRpcServer: new (c: { hostname: string; port: number; provider: unknown }) => Server
  }
  const server = new JsonRpcServer({ hostname: '127.0.0.1', port: 0, provider: await createHardhatNetwork(hre) })
  const { port } = await server.listen()
  const url = `http://127.0.0.1:${port}`
  const chain = await connectChain({ home, rpc: url, privateKey: KEYS[0] })
  // By default no window or bond: most tests here are about auditing and proving nodes (test/challengeGame.test.ts plays the game).
  const { settlement } = await ensureSettlement({
    chain, circuits: [{ circuitName: circuit.name, zkeyPath: keys.zkeyPath, system }], game: game ?? NO_CHALLENGE_GAME,
    challenges: challenge ? [{ circuitName: challenge.circuitName, zkeyPath: challenge.keys.zkeyPath, forCircuit: circuit.name, system }] : [],
  })

  const store = openDatanetStore({ home })
  try {
    const corpus = loadSpamAssassin({ limit: n })
    const included = new Set(corpus.map((r) => r.metadata.id))
    const queries = loadSpamAssassin({ limit: 200, seed: 7 }).filter((r) => !included.has(r.metadata.id)).map((r) => r.content).slice(0, 8)
    const datanet = store.createDatanet({ name: `spam-${randomBytes(3).toString('hex')}`, owner: chain.signerAddress, depth: params.treeDepth })
    const version = await store.importRecords(datanet.id, { records: corpus, source: 'spam-assassin' })
    const committed = await commitDatanetVersion({ chain, store, datanet: datanet.id })
    const trained = await trainModel({ name: MODEL, records: corpus, projection: { k: params.featureCount } })
    const dir = modelDir(home, MODEL)
    await saveModel({ dir, ...trained })
    const model = await loadModel(dir)
    const records = store.getRecords(datanet.id, version.version)
    const { index } = await buildModelIndex({
      model, records: records.map((r) => ({ contributor: r.contributor, content: r.content, label: r.label ?? 'ham', datanetLabel: r.label, leaf: r.leaf })),
      datanet: { id: String(datanet.id), version: version.version, root: version.root }, treeDepth: params.treeDepth,
    })
    await saveAttributionIndex(indexDir(dir, String(datanet.id), version.version), index)
    const { modelId } = await registerModelOnChain({
      chain, modelHash: BigInt(model.manifest.modelHash), datanetId: committed.chainDatanetId, datanetVersion: BigInt(version.version),
      indexRoot: index.tree.root, k: index.manifest.k, featureScale: index.manifest.featureFracBits, projectionSeed: BigInt(model.manifest.projection.seed),
    })
    return {
      url, home, chain, settlement, params, circuit, keys, datanetId: datanet.id, version: version.version, records, model, index, modelId, queries,
      async close() {
        await chain.close()
        await server.close()
      },
    }
  } finally {
    store.close()
  }
}

/** The host (account #1) records a paid inference of `text` and saves the text in each given home. */
export async function recordQuery(world: World, text: string, { homes = [world.home], feeOpen = '10' }: { homes?: string[]; feeOpen?: string } = {}) {
  const q = await queryModel({ model: world.model, text, featureFracBits: world.index.manifest.featureFracBits })
  const host = world.chain.getSigner(KEYS[1])
  const feeWei = parseUnits(feeOpen, 18)
  await (await world.chain.contracts.openToken.getFunction('transfer')(await host.getAddress(), feeWei)).wait()
  const inferenceId = newInferenceId(await host.getAddress())
  for (const home of homes) await saveQueryText({ home, inferenceId, text })
  const tx = await recordInference({ settlement: world.settlement, signer: host, modelId: world.modelId, inferenceId, circuitId: world.keys.circuitId, queryCommitment: q.queryCommitment, feeWei })
  return { inferenceId, query: q, blockNumber: tx.blockNumber }
}

/** Prove and settle an inference in this process (`positions` overrides the top-K rule: a dishonest prover). */
export async function proveAndSettle(world: World, inferenceId: string, text: string, { positions, signer }: { positions?: number[]; signer?: Signer } = {}) {
  const q = await queryModel({ model: world.model, text, featureFracBits: world.index.manifest.featureFracBits })
  const pool = BigInt((await (await settlementAt(world.settlement, world.chain.provider)).inference(inferenceId)).pool)
  const sender = signer ?? world.chain.getSigner(KEYS[2])
  const attributed = await attributeInference({
    circuit: world.circuit, keys: world.keys, params: world.params, index: world.index, records: world.records,
    query: { inputHash: q.inputHash, features: q.features }, poolWei: pool,
    settlement: { chainId: world.chain.chainId, address: world.settlement, inferenceId, prover: await sender.getAddress() }, positions,
  })
  const settled = await settleProofPackage({ settlement: world.settlement, signer: sender, pkg: attributed.pkg, inferenceId })
  return { attributed, settled }
}
