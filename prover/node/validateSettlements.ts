import type { ProverCircuit } from '../proof/proofSystem.ts'
import type { EventLog } from 'ethers'
import { ChainRequestError } from '../chain/chainErrors.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { currentSettlement, settlementAt } from '../clients/settlementClient.ts'
import { PoaError } from '../errors/index.ts'
import type { CompiledCircuit } from '../proof/compileCircuit.ts'
import type { AttributionParams } from '../witness/index.ts'
import type { DevKeys } from '../../ceremony/devSetup.ts'
import { fetchMissingQueryText } from './queryShare.ts'
import { challengeRecordedInference } from './challengeRecordedInference.ts'
import type { JobQueue } from './jobQueue.ts'
import type { ServedModels } from './servedModels.ts'
import type { Validation, ValidationState } from './validationQueue.ts'

/** What a validating node needs besides its prover's: the challenge circuit of its parameters and its keys. */
export type ValidatorKeys = { circuit: ProverCircuit; keys: DevKeys }

export type ValidateRoundParameters = {
  home: string
  chain: PoaChain
  settlement: string
  queue: JobQueue
  served: ServedModels
  validator: ValidatorKeys
  params: AttributionParams
  /** The attribution circuit this node proves (a challenged inference of another circuit is not its to prove). */
  circuitId: string
  /** false: a validator only (`--no-prove`): a challenged inference is left to the provers, not queued here. */
  prove?: boolean
  /** Hosts' query servers a check fetches a missing query text from (StartNodeParameters.querySources). */
  querySources?: readonly string[]
  /** Scan from here on a fresh queue. */
  fromBlock: number
  head: number
  retry: <T>(work: () => Promise<T>) => Promise<T>
  log: (line: string) => void
  signal: AbortSignal
}

const MAX_ATTEMPTS = 5
/** Rounds a check waits for the query text before it is skipped (the prover's jobs wait as long). */
const QUERY_WAIT_ROUNDS = 30

/**
 * One round of the validator (`poa node --validate`): queue every settlement bonded since the last
 * scan, reopen (or queue) the node's jobs whose settlement someone challenged (the inference awaits
 * a proof again), then check each queued settlement while its window is open: recompute the scores from
 * this node's copies and, when a left-out record scores above the threshold, prove it and challenge
 * (challengeRecordedInference). Settlements of models this node does not serve are skipped: it holds
 * no copy to check them against.
 */
export async function validateRound(p: ValidateRoundParameters): Promise<void> {
  const v = p.queue.validations
  const contract = await settlementAt(p.settlement, p.chain.provider)
  const from = (v.cursor() ?? p.fromBlock - 1) + 1
  if (from <= p.head) {
    const [bonded, challenged] = await Promise.all(['SettlementBonded', 'SettlementChallenged'].map((name) =>
      p.retry(() => p.chain.run(`query ${name}`, () => contract.queryFilter(contract.filters[name](), from, p.head))) as Promise<EventLog[]>))
    for (const e of bonded) v.add({ settleTx: e.transactionHash, inferenceId: e.args.inferenceId as string, block: e.blockNumber, claimableAt: Number(e.args.claimableAt) })
    for (const e of p.prove === false ? [] : challenged) {
      const id = e.args.inferenceId as string
      if (p.queue.reopen(id, `its settlement by ${e.args.prover} was challenged by ${e.args.challenger}`)) {
        p.log(`node: ${id} reopened: its settlement was challenged`)
      } else if (!p.queue.get(id)) {
        // Recorded before this node's scan began: queue it now if it is ours to prove.
        const inf = await p.retry(() => p.chain.run('read inference', () => contract.inference(id)))
        if (String(inf.circuitId).toLowerCase() === p.circuitId.toLowerCase() && p.served.byId.has(BigInt(inf.modelId).toString())) {
          p.queue.enqueue({ inferenceId: id, modelId: BigInt(inf.modelId), recordedBlock: e.blockNumber })
          p.log(`node: ${id} queued: its settlement was challenged`)
        }
      }
    }
    v.setCursor(p.head)
  }
  const tried = new Set<string>()
  for (let one = v.next(tried); one && !p.signal.aborted; one = v.next(tried)) {
    tried.add(one.settleTx)
    const { state, ...update } = await checkOne(p, one).catch((error: unknown) => {
      if (p.signal.aborted) return { state: 'pending' as const }
      const message = error instanceof PoaError ? error.shortMessage : String((error as Error)?.message ?? error)
      // An RPC outage leaves the check pending for the next round; anything else ends it.
      if (error instanceof ChainRequestError && one.attempts + 1 < MAX_ATTEMPTS) return { state: 'pending' as const, reason: message, attempt: true }
      return { state: 'failed' as const, reason: message }
    })
    if (state === 'pending' && !update.attempt) continue
    const done = v.finish(one.settleTx, state, update)
    if (state !== 'pending') p.log(`node: validated ${one.inferenceId}: ${state}${done.reason ? ` (${done.reason})` : ''}`)
  }
}

type Checked = { state: ValidationState; reason?: string; challengeTx?: string; bondWonWei?: bigint; attempt?: boolean }

async function checkOne(p: ValidateRoundParameters, one: Validation): Promise<Checked> {
  const now = (await p.retry(() => p.chain.run('read the latest block', () => p.chain.provider.getBlock('latest'))))!.timestamp
  if (now >= one.claimableAt) return { state: 'closed', reason: `its window closed at ${new Date(one.claimableAt * 1000).toISOString()} before this node checked it` }
  const standing = await p.retry(() => currentSettlement({ settlement: p.settlement, runner: p.chain.provider, inferenceId: one.inferenceId }))
  if (standing?.txHash.toLowerCase() !== one.settleTx) return { state: 'closed', reason: 'this settlement no longer stands (challenged, or settled again)' }
  const inf = await p.retry(() => p.chain.run('read inference', async () => (await settlementAt(p.settlement, p.chain.provider)).inference(one.inferenceId)))
  const served = p.served.byId.get(BigInt(inf.modelId).toString())
  if (!served) return { state: 'skipped', reason: `model ${inf.modelId} is not served by this node (no local copy to check against)` }
  if (p.querySources?.length) await fetchMissingQueryText({ home: p.home, inferenceId: one.inferenceId, sources: p.querySources, signal: p.signal })
  const result = await challengeRecordedInference({
    home: p.home, chain: p.chain, settlement: p.settlement, inferenceId: one.inferenceId, served,
    circuit: p.validator.circuit, keys: p.validator.keys, params: p.params, send: true, signal: p.signal,
  })
  switch (result.kind) {
    case 'challenged':
      return { state: 'challenged', reason: `record ${result.position} scores ${result.score} > threshold ${result.threshold}; paid [${result.paidPositions.join(', ')}]`, challengeTx: result.txHash, bondWonWei: result.toChallengerWei }
    case 'stands':
      return { state: 'stands', reason: result.reason }
    case 'none':
      // Without the query text yet, check again next rounds (the host may hand it over late).
      if (result.waiting && one.attempts + 1 < QUERY_WAIT_ROUNDS) return { state: 'pending', reason: result.reason, attempt: true }
      return { state: 'skipped', reason: result.reason }
    default:
      return { state: 'failed', reason: `unexpected result ${result.kind}` }
  }
}
