import Database from 'better-sqlite3'
import { processAlive, processStartOf } from '../lock/index.ts'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { openValidationQueue, type ValidationQueue } from './validationQueue.ts'

/**
 * The node's persistent job queue, `<home>/node.sqlite`: one row per recorded inference it serves,
 * moving pending -> scoring -> proving -> submitted -> settled, or to failed / dropped. Every
 * transition is one committed SQLite transaction (WAL, synchronous=FULL) and is logged in
 * `transitions`, so after a kill the node knows exactly where each job stood: scoring and proving
 * are redone (nothing reached the chain), a submitted job is resolved from the chain with the
 * signed transaction it stored before broadcasting, never signed twice.
 */
export type JobState = 'pending' | 'scoring' | 'proving' | 'submitted' | 'settled' | 'failed' | 'dropped'
export const JOB_STATES: readonly JobState[] = ['pending', 'scoring', 'proving', 'submitted', 'settled', 'failed', 'dropped']

export type Job = {
  inferenceId: string
  modelId: bigint
  recordedBlock: number
  state: JobState
  attempts: number
  txHash?: string
  rawTx?: string
  reason?: string
  scoringMs?: number
  provingMs?: number
  settledBlock?: number
  /** When the settlement's challenge window closes (unix seconds), once the node has read it. */
  claimableAt?: number
  /** The claimAll transaction that credited a settled job ('another' when someone else claimed it first). */
  claimTx?: string
}

const NEXT: Record<JobState, readonly JobState[]> = {
  pending: ['scoring', 'failed', 'dropped', 'pending'],
  scoring: ['proving', 'pending', 'failed', 'dropped'],
  proving: ['submitted', 'pending', 'failed', 'dropped'],
  submitted: ['settled', 'dropped', 'failed', 'submitted'],
  settled: [],
  failed: [],
  dropped: [],
}

export class JobStateError extends PoaError {
  constructor({ inferenceId, from, to }: { inferenceId: string; from: string; to: JobState }) {
    super('NODE_JOB_STATE', 'INTERNAL', `job ${inferenceId}: cannot go from ${from} to ${to} (allowed: ${(NEXT[from as JobState] ?? []).join(', ') || 'none, final'})`, { meta: { inferenceId, from, to } })
  }
}

export class NodeAlreadyRunningError extends PoaError {
  constructor({ home, pid }: { home: string; pid: number }) {
    super('NODE_ALREADY_RUNNING', 'USAGE', `${join(home, 'node.sqlite')} is used by a running node (pid ${pid}): one node per home`, { meta: { home, pid } })
  }
}

const DDL = `
CREATE TABLE IF NOT EXISTS jobs (
  inference_id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL,
  recorded_block INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','scoring','proving','submitted','settled','failed','dropped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  tx_hash TEXT, raw_tx TEXT, reason TEXT, scoring_ms REAL, proving_ms REAL, settled_block INTEGER,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transitions (inference_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, reason TEXT, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 1), block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL);
`

type Row = {
  inference_id: string; model_id: string; recorded_block: number; state: JobState; attempts: number; tx_hash: string | null; raw_tx: string | null
  reason: string | null; scoring_ms: number | null; proving_ms: number | null; settled_block: number | null
  claimable_at: number | null; claim_tx: string | null
}

function toJob(r: Row): Job {
  const job: Job = { inferenceId: r.inference_id, modelId: BigInt(r.model_id), recordedBlock: r.recorded_block, state: r.state, attempts: r.attempts }
  if (r.tx_hash !== null) job.txHash = r.tx_hash
  if (r.raw_tx !== null) job.rawTx = r.raw_tx
  if (r.reason !== null) job.reason = r.reason
  if (r.scoring_ms !== null) job.scoringMs = r.scoring_ms
  if (r.proving_ms !== null) job.provingMs = r.proving_ms
  if (r.settled_block !== null) job.settledBlock = r.settled_block
  if (r.claimable_at !== null) job.claimableAt = r.claimable_at
  if (r.claim_tx !== null) job.claimTx = r.claim_tx
  return job
}

export type JobUpdate = Partial<Pick<Job, 'txHash' | 'rawTx' | 'reason' | 'scoringMs' | 'provingMs' | 'settledBlock'>> & { attempt?: boolean }

export type JobQueue = {
  readonly path: string
  /** Add a job (idempotent: an inference already queued is left as it is). True when added. */
  enqueue(job: { inferenceId: string; modelId: bigint; recordedBlock: number }): boolean
  get(inferenceId: string): Job | undefined
  /**
   * The next job to work on, leaving out the ids in `skip`: submitted ones first (resolve before
   * signing anything new), then pending by block.
   */
  next(skip?: ReadonlySet<string>): Job | undefined
  /** Failed jobs whose reason starts with `reasonPrefix` (a job failed for a reason that can pass). */
  failedFor(reasonPrefix: string): Job[]
  /** A failed job's cause has passed: back to pending with its attempts reset (logged with `reason`); false unless it failed. */
  retry(inferenceId: string, reason: string): boolean
  /** Pending jobs in the order `next` takes them (by recorded block, then id). */
  pending(): Job[]
  move(inferenceId: string, to: JobState, update?: JobUpdate): Job
  /** After a restart: scoring/proving jobs go back to pending (no transaction was signed for them). */
  recoverInterrupted(): number
  list(): Job[]
  counts(): Record<JobState, number>
  history(inferenceId: string): { from: string | null; to: JobState; reason: string | null }[]
  cursor(): number | undefined
  setCursor(block: number): void
  /**
   * A settlement of this inference was challenged and cancelled: the inference is pending on-chain
   * again, so a settled or dropped job goes back to pending (logged with `reason`). False when the
   * job is absent or still open.
   */
  reopen(inferenceId: string, reason: string): boolean
  /** Settled jobs not yet claimed, oldest settlement first. */
  unclaimed(): Job[]
  /** Keep when a settled job's challenge window closes (read once from the chain). */
  noteClaimable(inferenceId: string, claimableAt: number): void
  /** A settled job was claimed, by this node (its transaction) or by `'another'`. */
  markClaimed(inferenceId: string, claimTx: string): void
  /** How many settled jobs have been claimed. */
  claimedCount(): number
  /** The validator's settlements to check (`poa node --validate`), in the same database. */
  readonly validations: ValidationQueue
  close(): void
}

export function openJobQueue({ home }: { home: string }): JobQueue {
  mkdirSync(home, { recursive: true })
  const path = join(home, 'node.sqlite')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(DDL)
  // One node per home: a second process would work the same jobs. A dead owner's pid is taken over.
  // The owner's start time tells a recycled pid from the node that wrote it (older queues lack it).
  const columns = db.prepare('PRAGMA table_info(owner)').all() as { name: string }[]
  if (!columns.some((c) => c.name === 'process_start')) db.exec('ALTER TABLE owner ADD COLUMN process_start TEXT')
  // Claims came later too: a queue written before them gets the columns, its settled jobs unclaimed.
  const jobColumns = (db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name)
  if (!jobColumns.includes('claimable_at')) db.exec('ALTER TABLE jobs ADD COLUMN claimable_at INTEGER')
  if (!jobColumns.includes('claim_tx')) db.exec('ALTER TABLE jobs ADD COLUMN claim_tx TEXT')
  const owner = db.prepare('SELECT pid, process_start FROM owner WHERE id = 1').get() as { pid: number; process_start: string | null } | undefined
  if (owner && owner.pid !== process.pid && processAlive(owner.pid, owner.process_start ?? undefined)) {
    db.close()
    throw new NodeAlreadyRunningError({ home, pid: owner.pid })
  }
  db.prepare('INSERT INTO owner (id, pid, process_start) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, process_start = excluded.process_start')
    .run(process.pid, processStartOf(process.pid) ?? null)
  const now = () => new Date().toISOString()
  const getRow = db.prepare('SELECT * FROM jobs WHERE inference_id = ?')
  const log = db.prepare('INSERT INTO transitions (inference_id, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?)')
  const get = (id: string) => {
    const row = getRow.get(id.toLowerCase()) as Row | undefined
    return row ? toJob(row) : undefined
  }
  const validations = openValidationQueue(db)
  /** A final job (one of `from`) starts afresh: the only way out of a final state, logged with `reason`. */
  const backToPending = (inferenceId: string, reason: string, from: readonly JobState[]) => {
    const id = inferenceId.toLowerCase()
    return db.transaction(() => {
      const job = get(id)
      if (!job || !from.includes(job.state)) return false
      // An old settlement's transaction and claim are no longer this job's to resolve.
      db.prepare("UPDATE jobs SET state = 'pending', attempts = 0, tx_hash = NULL, raw_tx = NULL, settled_block = NULL, claimable_at = NULL, claim_tx = NULL, reason = ?, updated_at = ? WHERE inference_id = ?").run(reason, now(), id)
      log.run(id, job.state, 'pending', reason, now())
      return true
    })()
  }
  return {
    path,
    validations,
    enqueue({ inferenceId, modelId, recordedBlock }) {
      const id = inferenceId.toLowerCase()
      return db.transaction(() => {
        const added = db.prepare('INSERT OR IGNORE INTO jobs (inference_id, model_id, recorded_block, state, updated_at) VALUES (?, ?, ?, ?, ?)')
          .run(id, modelId.toString(), recordedBlock, 'pending', now()).changes === 1
        if (added) log.run(id, null, 'pending', null, now())
        return added
      })()
    },
    get,
    next(skip = new Set<string>()) {
      // Submitted first (their transactions are out), then pending, oldest first; skipped ids are
      // the ones this round already worked, so a job that waits never hides the ones behind it.
      for (const state of ['submitted', 'pending']) {
        for (const row of db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY recorded_block, inference_id').iterate(state) as IterableIterator<Row>) {
          if (!skip.has(row.inference_id)) return toJob(row)
        }
      }
      return undefined
    },
    failedFor(reasonPrefix) {
      return (db.prepare("SELECT * FROM jobs WHERE state = 'failed' AND substr(reason, 1, ?) = ? ORDER BY recorded_block, inference_id").all(reasonPrefix.length, reasonPrefix) as Row[]).map(toJob)
    },
    retry: (inferenceId, reason) => backToPending(inferenceId, reason, ['failed']),
    pending: () => (db.prepare("SELECT * FROM jobs WHERE state = 'pending' ORDER BY recorded_block, inference_id").all() as Row[]).map(toJob),
    move(inferenceId, to, update = {}) {
      const id = inferenceId.toLowerCase()
      return db.transaction(() => {
        const job = get(id)
        if (!job || !NEXT[job.state].includes(to)) throw new JobStateError({ inferenceId: id, from: job?.state ?? 'absent', to })
        db.prepare(`UPDATE jobs SET state = ?, attempts = attempts + ?, tx_hash = COALESCE(?, tx_hash), raw_tx = COALESCE(?, raw_tx), reason = COALESCE(?, reason),
          scoring_ms = COALESCE(?, scoring_ms), proving_ms = COALESCE(?, proving_ms), settled_block = COALESCE(?, settled_block), updated_at = ? WHERE inference_id = ?`)
          .run(to, update.attempt ? 1 : 0, update.txHash ?? null, update.rawTx ?? null, update.reason ?? null, update.scoringMs ?? null, update.provingMs ?? null, update.settledBlock ?? null, now(), id)
        if (to !== job.state) log.run(id, job.state, to, update.reason ?? null, now())
        return get(id)!
      })()
    },
    recoverInterrupted() {
      return db.transaction(() => {
        const rows = db.prepare("SELECT inference_id, state FROM jobs WHERE state IN ('scoring', 'proving')").all() as { inference_id: string; state: string }[]
        for (const r of rows) log.run(r.inference_id, r.state, 'pending', 'interrupted: redo', now())
        return db.prepare("UPDATE jobs SET state = 'pending', updated_at = ? WHERE state IN ('scoring', 'proving')").run(now()).changes
      })()
    },
    list: () => (db.prepare('SELECT * FROM jobs ORDER BY recorded_block, inference_id').all() as Row[]).map(toJob),
    counts() {
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>
      for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as { state: JobState; n: number }[]) out[r.state] = r.n
      return out
    },
    history: (inferenceId) => (db.prepare('SELECT from_state AS "from", to_state AS "to", reason FROM transitions WHERE inference_id = ? ORDER BY rowid').all(inferenceId.toLowerCase()) as any[]),
    cursor: () => (db.prepare('SELECT block FROM cursor WHERE id = 1').get() as { block: number } | undefined)?.block,
    setCursor(block) {
      db.prepare('INSERT INTO cursor (id, block) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET block = excluded.block').run(block)
    },
    reopen: (inferenceId, reason) => backToPending(inferenceId, reason, ['settled', 'dropped']),
    unclaimed: () => (db.prepare("SELECT * FROM jobs WHERE state = 'settled' AND claim_tx IS NULL ORDER BY settled_block, inference_id").all() as Row[]).map(toJob),
    noteClaimable(inferenceId, claimableAt) {
      db.prepare("UPDATE jobs SET claimable_at = ?, updated_at = ? WHERE inference_id = ? AND state = 'settled'").run(claimableAt, now(), inferenceId.toLowerCase())
    },
    markClaimed(inferenceId, claimTx) {
      db.prepare("UPDATE jobs SET claim_tx = ?, updated_at = ? WHERE inference_id = ? AND state = 'settled'").run(claimTx, now(), inferenceId.toLowerCase())
    },
    claimedCount: () => (db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'settled' AND claim_tx IS NOT NULL").get() as { n: number }).n,
    close() {
      db.prepare('DELETE FROM owner WHERE id = 1 AND pid = ?').run(process.pid)
      db.close()
    },
  }
}

