import { pollDelay } from './pollDelay.ts'
import type { ProveAttributionParameters } from '../proof/proveAttribution.ts'
import type { EventLog } from 'ethers'
import { ChainRequestError } from '../chain/chainErrors.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { fundBond, settlementAt } from '../clients/settlementClient.ts'
import type { DatanetRef, DatanetStore } from '../datanet/index.ts'
import { PoaError } from '../errors/index.ts'
import { createPrescoringPool, createScoringBackend, PRESCORE_MAX_BATCH, type LoadedModel, type ProviderRequest, type ScoringBackendRequest } from '../influence/index.ts'
import type { CompiledCircuit } from '../proof/compileCircuit.ts'
import { releaseProofSystems } from '../proof/proofSystems.ts'
import type { ProvingKeys } from '../proof/proveAttribution.ts'
import type { AttributionParams } from '../witness/index.ts'
import { openJobQueue, type Job, type JobState } from './jobQueue.ts'
import { claimRound } from './claimSettled.ts'
import { collectMetrics, startMetricsServer, type NodeMetrics } from './nodeMetrics.ts'
import { prescorePending } from './prescorePending.ts'
import { proveRecordedInference } from './proveRecordedInference.ts'
import { fetchMissingQueryText } from './queryShare.ts'
import { hasQueryText, NO_QUERY_TEXT } from './queryStore.ts'
import { withRetry } from './retryRpc.ts'
import { resolveServedModels, type ServedModels } from './servedModels.ts'
import { validateRound, type ValidatorKeys } from './validateSettlements.ts'
import { broadcast, isLostRace, notPendingReason, resolveSubmitted, signSettlement, type Outcome } from './submitSettlement.ts'

/**
 * The prover node: watch the chain for InferenceRecorded events of the models it serves, queue
 * them in `<home>/node.sqlite`, and for each: check it is still pending, recompute the query
 * features from the stored query text (and check the recorded commitment), score + prove with
 * `attributeInference` (scoring pool and prover worker threads), sign, store, broadcast, and
 * record the outcome. The chain is the only coordination between nodes: a settlement by someone
 * else drops the job (and a challenge that cancels it reopens the job). With `validator` it also
 * checks every settlement within its challenge window and challenges the faulty ones. See
 * docs/node.md for the crash-safety argument.
 */
/** The attribution circuit a node proves with: circom's for Groth16, a Noir program for UltraHonk. */
type AttributionCircuit = ProveAttributionParameters['circuit']

export type StartNodeParameters = {
  home: string
  /** A JSON-RPC chain (its signer sends the settlements and earns the prover fee). */
  chain: PoaChain
  settlement: string
  models: readonly LoadedModel[]
  store: DatanetStore
  datanet: DatanetRef
  circuit: AttributionCircuit
  keys: ProvingKeys
  params: AttributionParams
  /** First block to scan on a fresh queue (default 0); later runs resume from the stored cursor. */
  fromBlock?: number
  pollMs?: number
  workers?: number
  /**
   * Which backend scores (scoringBackend.ts; default 'auto': onnxruntime when `provider` means CUDA
   * and its CUDA provider opens, else the native pool); every job's result says which scored.
   */
  scoring?: ScoringBackendRequest
  /** onnxruntime execution provider of the scoring (default 'auto'). */
  provider?: ProviderRequest
  /**
   * Most pending queries of one model scored together in one scoreBatch pass each round (default
   * PRESCORE_MAX_BATCH); 1 scores each job on its own.
   */
  scoreBatch?: number
  /** Serve counters on 127.0.0.1 (0: a free port); undefined: no server. */
  metricsPort?: number
  /** Return once the chain is scanned to its head and no job is open (tests, cron runs). */
  untilIdle?: boolean
  /** Status lines (stderr in the CLI). */
  log?: (line: string) => void
  signal?: AbortSignal
  /**
   * Also validate (`poa node --validate`): check every settlement on the chain while its challenge
   * window is open and challenge the ones that left out a better record (validateSettlements.ts).
   */
  validator?: ValidatorKeys
  /**
   * Hosts' query servers (`poa inference serve-queries` URLs): a job or a check that lacks its query
   * text fetches it from them (queryShare.ts); the commitment check decides whether it is the one.
   */
  querySources?: readonly string[]
  /**
   * Prove and settle the served models' inferences (default true). false, with `validator`: a
   * validator only, which challenges faulty settlements and leaves every proof to the provers
   * (a node that also proves races them for each inference and mostly drops its proofs).
   */
  prove?: boolean
  /**
   * Claim each settled job once its challenge window has passed (default true): the contributors'
   * payouts, the prover fee and the bond are credited (claimSettled.ts). false leaves it to others.
   */
  claim?: boolean
  /**
   * Test only: kill this process with SIGKILL when a job reaches this point, to test crash
   * recovery (docs/node.md). The CLI passes it from POA_NODE_CRASH_AT under POA_NODE_TEST_HOOKS=1.
   */
  crashAt?: NodeCrashPoint
}

/** Where a test may crash the node: after a job is marked scoring, proving, or submitted. */
export type NodeCrashPoint = 'scoring' | 'proving' | 'submitted'
export const NODE_CRASH_POINTS: readonly NodeCrashPoint[] = ['scoring', 'proving', 'submitted']

export type NodeSummary = NodeMetrics & { recovered: number }
export type RunningNode = { metricsUrl?: string; done: Promise<NodeSummary>; stop(): void }

const OPEN: readonly JobState[] = ['pending', 'scoring', 'proving', 'submitted']
const MAX_ATTEMPTS = 5
/**
 * Polls a job waits for its query text before it fails (with --poll-ms 1000: about 30 s); it is
 * retried when the text is saved later. Waiting jobs never hold up the others (next(tried)).
 */
const QUERY_WAIT_POLLS = 30

export class NodeConfigError extends PoaError {
  constructor({ option, reason }: { option: string; reason: string }) {
    super('NODE_CONFIG', 'USAGE', `${option}: ${reason}`, { meta: { option } })
  }
}

/** The test-only crash hook (StartNodeParameters.crashAt): dies at `point` when asked to. */
function crashHook(crashAt: NodeCrashPoint | undefined): (point: NodeCrashPoint) => void {
  if (crashAt !== undefined && !NODE_CRASH_POINTS.includes(crashAt)) throw new NodeConfigError({ option: 'crashAt', reason: `${JSON.stringify(crashAt)} is none of ${NODE_CRASH_POINTS.join(', ')}` })
  return (point) => {
    if (crashAt === point) process.kill(process.pid, 'SIGKILL')
  }
}

export async function startNode(p: StartNodeParameters): Promise<RunningNode> {
  if (p.prove === false && !p.validator) throw new NodeConfigError({ option: '--no-prove', reason: 'a node that neither proves nor validates has nothing to do (add --validate)' })
  if (p.chain.embedded) throw new NodeConfigError({ option: '--rpc', reason: 'a node needs a JSON-RPC chain (the embedded chain is locked by one process, so no host could record inferences for it)' })
  const log = p.log ?? (() => {})
  const crashPoint = crashHook(p.crashAt)
  const stopper = new AbortController()
  const signal = p.signal ? AbortSignal.any([p.signal, stopper.signal]) : stopper.signal
  const queue = openJobQueue({ home: p.home })
  let rpcRetries = 0
  let head: number | undefined
  const retry = <T>(work: () => Promise<T>) =>
    withRetry(work, { signal, onRetry: (e, n, ms) => { rpcRetries++; log(`node: RPC failed (${e.shortMessage}); retry ${n} in ${ms} ms`) } })
  const metrics = () => collectMetrics(queue, { rpcRetries, head, validating: p.validator !== undefined })
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined
  try {
    if (p.metricsPort !== undefined) server = await startMetricsServer(p.metricsPort, metrics)
  } catch (error) {
    queue.close()
    throw error
  }
  const recovered = queue.recoverInterrupted()
  if (recovered > 0) log(`node: ${recovered} interrupted job(s) back to pending`)
  // Jobs waiting for the same model are scored ahead together, one pass over the index per batch.
  const pool = createPrescoringPool(createScoringBackend({ workers: p.workers ?? 1, scoring: p.scoring, provider: p.provider }), { maxBatch: p.scoreBatch ?? PRESCORE_MAX_BATCH })
  const contract = await settlementAt(p.settlement, p.chain.provider)

  const finish = (job: Job, outcome: Outcome) => {
    if (outcome.kind === 'settled') queue.move(job.inferenceId, 'settled', { txHash: outcome.txHash, settledBlock: outcome.blockNumber })
    else queue.move(job.inferenceId, outcome.kind, { reason: outcome.reason })
    log(`node: ${job.inferenceId} ${outcome.kind}${outcome.kind === 'settled' ? ` in tx ${outcome.txHash}` : `: ${outcome.reason}`}`)
  }

  const prove = async (job: Job, served: ServedModels): Promise<Outcome | { kind: 'wait'; reason: string }> => {
    const id = job.inferenceId
    const late = await retry(() => notPendingReason(p.chain, p.settlement, id))
    if (late) return { kind: 'dropped', reason: late }
    const one = served.byId.get(job.modelId.toString())
    if (!one) return { kind: 'failed', reason: `model ${job.modelId} is not served by this node` }
    if (p.querySources?.length) {
      const missing = await fetchMissingQueryText({ home: p.home, inferenceId: id, sources: p.querySources, signal })
      if (missing !== undefined && job.attempts === 0) log(`node: ${id}: no query text from the sources (${missing})`)
    }
    const attributed = await proveRecordedInference({
      home: p.home, chain: p.chain, settlement: p.settlement, inferenceId: id, served: one,
      circuit: p.circuit, keys: p.keys, params: p.params, scoring: { pool }, signal,
      // signSettlement sends settle from p.chain.signer with prover = 0: the fee (and the proof) is its own.
      prover: p.chain.signerAddress,
      onStage: (stage) => {
        queue.move(id, stage)
        crashPoint(stage)
      },
    })
    if ('kind' in attributed) {
      // The host may save the text just after recording the inference: wait a few polls before failing.
      if (attributed.kind === 'wait' && job.attempts + 1 >= QUERY_WAIT_POLLS) return { kind: 'failed', reason: attributed.reason }
      return attributed
    }
    log(`node: ${id} proved in ${(attributed.provingMs / 1000).toFixed(1)} s by ${attributed.prover}${attributed.proverNote ? ` (${attributed.proverNote})` : ''}${attributed.witnessGenerator ? `, witness by ${attributed.witnessGenerator}${attributed.witnessNote ? ` (${attributed.witnessNote})` : ''}` : ''}`)
    // Check again: another node may have settled while this one proved.
    const lost = await retry(() => notPendingReason(p.chain, p.settlement, id))
    if (lost) return { kind: 'dropped', reason: lost }
    // The settlement locks the challenge game's bond from the sender's balance: top it up first (a
    // deposit is idempotent enough: after a crash the balance covers the next settle).
    const deposited = await retry(() => fundBond({ settlement: p.settlement, signer: p.chain.signer }))
    if (deposited > 0n) log(`node: deposited ${deposited} wei of OPEN into the settlement for the bond`)
    let signed
    try {
      signed = await retry(() => signSettlement({ chain: p.chain, signer: p.chain.signer, settlement: p.settlement, inferenceId: id, pkg: attributed.pkg }))
    } catch (error) {
      if (isLostRace(error)) return { kind: 'dropped', reason: (error as PoaError).shortMessage }
      throw error
    }
    // Stored before it is sent: after a crash the node resolves this exact transaction, never a new one.
    queue.move(id, 'submitted', { txHash: signed.txHash, rawTx: signed.rawTx, scoringMs: attributed.scoringMs, provingMs: attributed.provingMs })
    await retry(() => broadcast(p.chain, signed.rawTx))
    crashPoint('submitted')
    return retry(() => resolveSubmitted({ chain: p.chain, settlement: p.settlement, inferenceId: id, txHash: signed.txHash, rawTx: signed.rawTx }))
  }

  const work = async (job: Job, served: ServedModels) => {
    try {
      const outcome = job.state === 'submitted'
        ? await retry(() => resolveSubmitted({ chain: p.chain, settlement: p.settlement, inferenceId: job.inferenceId, txHash: job.txHash!, rawTx: job.rawTx! }))
        : await prove(job, served)
      if (outcome.kind === 'wait') {
        if (job.attempts === 0) log(`node: ${job.inferenceId}: ${outcome.reason}; waiting`)
        queue.move(job.inferenceId, 'pending', { attempt: true })
      } else finish(queue.get(job.inferenceId)!, outcome)
    } catch (error) {
      if (signal.aborted) return
      const now = queue.get(job.inferenceId)!
      const message = error instanceof PoaError ? error.shortMessage : String((error as Error)?.message ?? error)
      // An RPC outage leaves the job where it can resume; anything else (or too many outages) fails it.
      if (error instanceof ChainRequestError && now.attempts + 1 < MAX_ATTEMPTS) {
        queue.move(job.inferenceId, now.state === 'submitted' ? 'submitted' : 'pending', { attempt: true })
        log(`node: ${job.inferenceId}: ${message} (will retry)`)
      } else finish(now, { kind: 'failed', reason: message })
    }
  }

  let lastStatus = ''
  const status = () => {
    const m = metrics()
    const line = `poa node: block ${head ?? '?'} | open ${OPEN.map((s) => `${s} ${m.jobs[s]}`).join(' ')} | settled ${m.done} dropped ${m.dropped} failed ${m.failed}` + (m.claimed > 0 ? ` claimed ${m.claimed}` : '') +
      (m.proofSeconds.last !== undefined ? ` | last proof ${m.proofSeconds.last} s` : '') +
      (m.validator ? ` | validated ${m.validator.audits} challenged ${m.validator.challenges}` : '')
    if (line !== lastStatus) log(line)
    lastStatus = line
  }

  let rounds = 0
  const loop = async (): Promise<NodeSummary> => {
    let served: ServedModels = { byId: new Map(), scanned: 0 }
    try {
      while (!signal.aborted) {
        try {
          served = await retry(() => resolveServedModels({ chain: p.chain, models: p.models, store: p.store, datanet: p.datanet, from: served }))
          head = await retry(() => p.chain.run('read block number', () => p.chain.provider.getBlockNumber()))
          const from = (queue.cursor() ?? (p.fromBlock ?? 0) - 1) + 1
          if (from <= head) {
            const logs = await retry(() => p.chain.run('query InferenceRecorded', () => contract.queryFilter(contract.filters.InferenceRecorded(), from, head)))
            for (const e of logs as EventLog[]) {
              const modelId = BigInt(e.args.modelId)
              // An inference recorded for another circuit (another setup) can only be settled with that circuit's keys.
              const ours = String(e.args.circuitId).toLowerCase() === p.keys.circuitId.toLowerCase()
              if (p.prove !== false && ours && served.byId.has(modelId.toString())) queue.enqueue({ inferenceId: e.args.inferenceId as string, modelId, recordedBlock: e.blockNumber })
            }
            queue.setCursor(head)
          }
          if ((p.scoreBatch ?? PRESCORE_MAX_BATCH) > 1) {
            const ahead = await prescorePending({
              home: p.home, chain: p.chain, settlement: p.settlement, queue, served, pool, topK: p.params.candidateSlots,
              maxJobs: p.scoreBatch ?? PRESCORE_MAX_BATCH, retry, signal,
            })
            if (ahead.queries > 0) log(`node: scored ${ahead.queries} pending queries in ${ahead.passes} batch pass(es)`)
          }
          // A job failed for want of its query text goes back to the queue once the host's text is saved.
          // With query sources, their texts are asked for again every QUERY_WAIT_POLLS rounds.
          const askSources = p.querySources?.length && ++rounds % QUERY_WAIT_POLLS === 0
          for (const job of queue.failedFor(NO_QUERY_TEXT)) {
            if (askSources) await fetchMissingQueryText({ home: p.home, inferenceId: job.inferenceId, sources: p.querySources!, signal })
            if (hasQueryText({ home: p.home, inferenceId: job.inferenceId }) && queue.retry(job.inferenceId, 'its query text was saved')) log(`node: ${job.inferenceId}: its query text was saved; back to pending`)
          }
          const tried = new Set<string>()
          for (let job = queue.next(tried); job && !signal.aborted; job = queue.next(tried)) {
            tried.add(job.inferenceId)
            await work(job, served)
            status()
          }
          if (p.claim !== false && !signal.aborted) await claimRound({ chain: p.chain, settlement: p.settlement, queue, retry, log, signal })
          if (p.validator && !signal.aborted) {
            await validateRound({
              home: p.home, chain: p.chain, settlement: p.settlement, queue, served, validator: p.validator, params: p.params, circuitId: p.keys.circuitId, prove: p.prove, querySources: p.querySources,
              fromBlock: p.fromBlock ?? 0, head, retry, log, signal,
            })
          }
        } catch (error) {
          if (signal.aborted) break
          // The watch itself failed after its retries: say so and try again next round.
          log(`node: ${error instanceof PoaError ? error.shortMessage : String(error)}`)
        }
        status()
        const counts = queue.counts()
        const validated = !p.validator || (queue.validations.cursor() === head && queue.validations.counts().pending === 0)
        if (p.untilIdle && head !== undefined && queue.cursor() === head && OPEN.every((s) => counts[s] === 0) && validated) {
          // Idle only if this round sent nothing the next scan must see (a settlement to validate, a challenge that reopens a job).
          const latest = await retry(() => p.chain.run('read block number', () => p.chain.provider.getBlockNumber())).catch(() => head)
          if (latest === head) break
          continue
        }
        await pollDelay(p.pollMs ?? 1000, signal)
      }
      return { ...metrics(), recovered }
    } finally {
      await server?.close()
      await pool.destroy()
      queue.close()
      await releaseProofSystems()
    }
  }
  return { metricsUrl: server?.url, done: loop(), stop: () => stopper.abort() }
}
