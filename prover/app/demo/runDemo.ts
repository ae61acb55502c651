import { DEFAULT_PROOF_SYSTEM, type ProofSystemName } from '../../proof/proofSystems.ts'
import { availableParallelism } from 'node:os'
import { formatUnits } from 'ethers'
import { connectChain } from '../../chain/connectChain.ts'
import { prepareVerifiers } from '../../clients/settlementDeploy.ts'
import { PoaError } from '../../errors/index.ts'
import { DEMO_PARAMS, FULL_DEMO_PARAMS } from '../../proof/circuitParams.ts'
import { releaseProofSystems } from '../../proof/proofSystems.ts'
import { DEV_SETUP_LABEL } from '../../../ceremony/devSetup.ts'
import type { AppFolders, AppReporting } from '../appOptions.ts'
import { noLog, noProgress } from '../appOptions.ts'
import { ensureCircuitKeys } from '../ensureCircuitKeys.ts'
import { withDatanetStore } from '../withDatanetStore.ts'
import { deployDemoContracts } from './demoContracts.ts'
import { buildDemoDatanet } from './demoDatanet.ts'
import { recordDemoInference } from './demoInference.ts'
import { trainDemoModel } from './demoModel.ts'
import { createDemoRun, type DemoTransaction } from './demoRun.ts'
import { proveAndSettleDemo, type DemoContributor } from './demoSettle.ts'

export type { DemoTransaction } from './demoRun.ts'

/**
 * The main job of poa, end to end, on the embedded chain: deploy, build the default Datanet from
 * the Spam Assassin corpus, commit its root, train and register the model with its attribution
 * index, record a paid inference, score every record in worker threads, prove, settle, claim.
 */
export type RunDemoParameters = AppFolders & Pick<AppReporting, 'log' | 'onProgress'> & {
  /** Whole corpus (6,046 mails, depth-13 circuit, 2^15 setup) instead of the default sample. */
  full?: boolean
  /** Mails in the default sample (balanced ham/spam), at most 2^depth of the demo circuit. */
  records?: number
  /** Query text; default: a corpus mail held out of the datanet. */
  query?: string
  /** Inference fee in OPEN (default 100). */
  feeOpen?: string
  /** Scoring worker threads (default: cores). */
  workers?: number
  /** The proof system (default groth16; ultrahonk proves the Noir version of the demo circuit). */
  system?: ProofSystemName
}

export type DemoReport = {
  circuit: { name: string; system: ProofSystemName; candidateSlots: number; featureCount: number; treeDepth: number; setup: string }
  datanet: { name: string; records: number; root: string; chainDatanetId: string; version: number }
  model: { name: string; modelHash: string; trainAccuracy: number; indexRoot: string; k: number; modelId: string; projection: string }
  query: { text: string; prediction: string; probabilities: number[]; queryCommitment: string; heldOutMailId?: number }
  inference: { inferenceId: string; feeOpen: string; poolOpen: string }
  scoring: { records: number; positive: number; workers: number; provider: string; seconds: number }
  contributors: DemoContributor[]
  split: { contributorsOpen: string; proverOpen: string; modelOwnerOpen: string; treasuryOpen: string }
  /** The challenge game the settlement ran under (the embedded chain's clock moved past the window before claiming). */
  challenge: { windowSeconds: number; bondOpen: string; challengerBps: number; claimableAt: number }
  proof: { seconds: number; publicSignals: number; prover: string; witnessGenerator?: string }
  governance: { governor: string; timelock: string; owns: string[] }
  transactions: DemoTransaction[]
  timings: Record<string, number>
}

export class DemoRecordsError extends PoaError {
  constructor({ records, treeDepth }: { records: number; treeDepth: number }) {
    super('DEMO_RECORDS', 'USAGE', `--records ${records} must be an integer in [2, ${2 ** treeDepth}] for the depth-${treeDepth} circuit (or use --full)`, { meta: { records } })
  }
}

const DEFAULT_SAMPLE = 256

/** Run the demo in `home` (a fresh folder per run is best: it holds the embedded chain) and report every figure. */
export async function runDemo(p: RunDemoParameters): Promise<DemoReport> {
  const run = createDemoRun(p.log ?? noLog, p.onProgress ?? noProgress)
  const params = p.full ? FULL_DEMO_PARAMS : DEMO_PARAMS
  const sample = p.full ? undefined : (p.records ?? DEFAULT_SAMPLE)
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 2 || sample > 2 ** params.treeDepth)) throw new DemoRecordsError({ records: sample, treeDepth: params.treeDepth })

  // 1. The circuit, its (INSECURE, cached) dev keys and its generated verifier, before Hardhat compiles.
  const system = p.system ?? DEFAULT_PROOF_SYSTEM
  const { circuitName, circuit, keys } = await run.timed('circuitSetup', async () => {
    const ensured = await ensureCircuitKeys({ params, system, buildDir: p.buildDir, log: run.log })
    await prepareVerifiers({ circuits: [{ circuitName: ensured.circuitName, zkeyPath: ensured.keys.zkeyPath, system }] })
    return ensured
  })

  // 2. The chain: core contracts on first use, then settlement + verifier, governed by the Timelock.
  run.log('starting the embedded chain and deploying contracts')
  const chain = await connectChain({ home: p.home })
  try {
    return await withDatanetStore(p.home, async (store) => {
      const [host, modelOwner, prover] = [1, 2, 3].map((i) => chain.getSigner(i))
      const { settlement, governance } = await deployDemoContracts(run, chain, circuitName)
      // 3-4. The datanet and the model with its index, both on-chain.
      const data = await buildDemoDatanet(run, { chain, store, treeDepth: params.treeDepth, sample, query: p.query })
      const model = await trainDemoModel(run, { home: p.home, chain, store, data, featureCount: params.featureCount, treeDepth: params.treeDepth, modelOwner })
      // 5. A paid inference.
      const inference = await recordDemoInference(run, { chain, settlement, host, model, queryText: data.queryText, feeOpen: p.feeOpen ?? '100', circuitId: keys.circuitId })
      // 6-8. Score, prove, settle, claim.
      const stored = store.getRecords(data.datanet.id, data.version.version)
      const proved = await proveAndSettleDemo(run, {
        chain, settlement, prover, circuit, keys, params, circuitName, data, stored, model, inference, workers: p.workers ?? availableParallelism(),
      })

      const open = (wei: bigint) => formatUnits(wei, 18)
      const q = inference.query
      const m = model.model.manifest
      return {
        circuit: { name: circuitName, system, ...params, setup: DEV_SETUP_LABEL },
        datanet: { name: data.datanet.name, records: data.records.length, root: data.version.root.toString(), chainDatanetId: data.chainDatanetId.toString(), version: data.version.version },
        model: {
          name: model.name, modelHash: m.modelHash, trainAccuracy: m.training?.trainAccuracy ?? 0,
          indexRoot: model.index.tree.root.toString(), k: model.index.manifest.k, modelId: model.modelId.toString(), projection: m.projection.kind,
        },
        query: { text: data.queryText, prediction: q.prediction.label, probabilities: q.prediction.probabilities, queryCommitment: q.queryCommitment.toString(), heldOutMailId: data.heldOutMailId },
        inference: { inferenceId: inference.inferenceId, feeOpen: open(inference.feeWei), poolOpen: open(inference.poolWei) },
        scoring: { ...proved.scoring, provider: model.provider, seconds: run.timings.scoring },
        contributors: proved.contributors,
        split: {
          contributorsOpen: open(proved.settled.paidToContributorsWei), proverOpen: open(proved.settled.proverFeeWei),
          modelOwnerOpen: open(proved.settled.modelOwnerFeeWei), treasuryOpen: open(proved.settled.treasuryFeeWei),
        },
        challenge: { windowSeconds: proved.game.windowSeconds, bondOpen: open(proved.game.bondWei), challengerBps: proved.game.challengerBps, claimableAt: proved.settled.claimableAt },
        proof: { seconds: run.timings.prove, publicSignals: proved.publicSignals, prover: proved.prover, witnessGenerator: proved.witnessGenerator },
        governance: { governor: governance.governor, timelock: governance.timelock, owns: governance.handedOver.map((h) => h.contract) },
        transactions: run.transactions,
        timings: run.timings,
      }
    })
  } finally {
    await chain.close()
    await releaseProofSystems()
  }
}
