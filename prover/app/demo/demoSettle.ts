import type { ProveAttributionParameters } from '../../proof/proveAttribution.ts'
import { formatUnits, type Signer } from 'ethers'
import type { PoaChain } from '../../chain/connectChain.ts'
import { claimRewards, readChallengeGame, rewardBalance, settleInference, type ChallengeGame, type SettleInferenceReturnType } from '../../clients/settlementClient.ts'
import type { StoredRecord } from '../../datanet/index.ts'
import { senderOf } from '../../dataset/spamAssassin.ts'
import { attributeInference } from '../../proof/attributeInference.ts'
import type { CompiledCircuit } from '../../proof/compileCircuit.ts'
import { toSolidityCalldata } from '../../proof/proofPackage.ts'
import type { AttributionParams } from '../../witness/attributionParams.ts'
import type { DevKeys } from '../../../ceremony/devSetup.ts'
import type { DemoDatanet } from './demoDatanet.ts'
import type { DemoInference } from './demoInference.ts'
import type { DemoModel } from './demoModel.ts'
import type { DemoRun } from './demoRun.ts'

type AttributionCircuit = ProveAttributionParameters['circuit']

export type DemoContributor = { position: number; contributor: string; sender: string; label: string; score: string; paidOpen: string; creditedOpen: string }

export type DemoSettlement = {
  /** Which prover ran (native, snarkjs or bb.js). */
  prover: 'native' | 'snarkjs' | 'bb.js'
  /** Groth16: which witness generator ran (native or circom's WebAssembly); UltraHonk: none. */
  witnessGenerator?: 'native' | 'wasm'
  settled: SettleInferenceReturnType
  /** The challenge game the settlement ran under: the window passed (the embedded chain's clock moved) before the claim. */
  game: ChallengeGame
  contributors: DemoContributor[]
  scoring: { records: number; positive: number; workers: number }
  publicSignals: number
}

const open = (wei: bigint) => formatUnits(wei, 18)

/**
 * Influence over every record in worker threads, the top-K rule, witness and proof (one shared
 * path, attributeInference), then settle on-chain (the verifier checks the proof) and claim the
 * credited payouts. The proof binds the prover account that settles (prover = 0: the sender is paid).
 */
export async function proveAndSettleDemo(run: DemoRun, p: {
  chain: PoaChain; settlement: string; prover: Signer; circuit: AttributionCircuit; keys: DevKeys; params: AttributionParams; circuitName: string
  data: DemoDatanet; stored: StoredRecord[]; model: DemoModel; inference: DemoInference; workers: number
}): Promise<DemoSettlement> {
  const { inferenceId, query: q } = p.inference
  const attributed = await run.timed('scoreAndProve', async () =>
    attributeInference({
      circuit: p.circuit, keys: p.keys, params: p.params, index: p.model.index, records: p.stored, query: { inputHash: q.inputHash, features: q.features }, poolWei: p.inference.poolWei,
      settlement: { chainId: p.chain.chainId, address: p.settlement, inferenceId, prover: await p.prover.getAddress() }, scoring: { workers: p.workers }, onProgress: run.progress('proving'),
    }),
  )
  run.timings.scoring = Math.round(attributed.scoringMs) / 1000
  run.timings.prove = Math.round(attributed.provingMs) / 1000
  const { pkg, witness, candidates: chosen } = attributed

  const calldata = toSolidityCalldata(pkg)
  // The prover locks the challenge game's bond from OPEN it holds (account 0 holds the supply).
  const game = await readChallengeGame({ settlement: p.settlement, runner: p.prover })
  if (game.bondWei > 0n) await (await p.chain.contracts.openToken.getFunction('transfer')(await p.prover.getAddress(), game.bondWei)).wait()
  const settled = await settleInference({ settlement: p.settlement, signer: p.prover, inferenceId, circuitId: pkg.circuit.id, calldata })
  run.tx('settle (verify proof + split)', settled)
  // Nobody challenges in the demo: the embedded chain's clock moves past the window, then claims open.
  const now = (await p.chain.provider.getBlock('latest'))!.timestamp
  if (settled.claimableAt > now && p.chain.embeddedChain) await p.chain.embeddedChain.mine({ blocks: 2, intervalSeconds: settled.claimableAt - now }) // the second block lands an interval later
  run.tx('claim payouts', await claimRewards({ settlement: p.settlement, signer: p.prover, inferenceId }))

  // witnessFromIndex orders candidates by position; witness.* are per candidate in that order.
  const records = p.data.records
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
      creditedOpen: open(await rewardBalance({ settlement: p.settlement, runner: p.prover, account: witness.contributors[i] })),
    })),
  )
  contributors.sort((a, b) => (BigInt(b.score) > BigInt(a.score) ? 1 : BigInt(b.score) < BigInt(a.score) ? -1 : a.position - b.position))
  return {
    settled, contributors, game,
    scoring: { records: attributed.distribution.count, positive: attributed.distribution.positive, workers: attributed.workers },
    publicSignals: pkg.publicSignals.length,
    prover: attributed.prover,
    witnessGenerator: attributed.witnessGenerator,
  }
}
