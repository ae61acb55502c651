import type Database from 'better-sqlite3'

/**
 * The validator's persistent work list, in the node's `<home>/node.sqlite` beside its jobs: one row
 * per settlement seen on the chain (keyed by the settle transaction, since a challenged inference
 * can be settled again), moving pending -> stands | challenged | closed | skipped | failed, and its
 * own scan cursor over SettlementBonded events. A restart resumes the pending ones; a settlement is
 * checked at most once to an end state, so no challenge is sent twice for one settlement.
 */
export type ValidationState = 'pending' | 'stands' | 'challenged' | 'closed' | 'skipped' | 'failed'
export const VALIDATION_STATES: readonly ValidationState[] = ['pending', 'stands', 'challenged', 'closed', 'skipped', 'failed']

export type Validation = {
  settleTx: string
  inferenceId: string
  block: number
  claimableAt: number
  state: ValidationState
  attempts: number
  reason?: string
  challengeTx?: string
  /** The challenger's share of the bond credited by a won challenge, OPEN wei. */
  bondWonWei?: bigint
}

const DDL = `
CREATE TABLE IF NOT EXISTS validations (
  settle_tx TEXT PRIMARY KEY,
  inference_id TEXT NOT NULL,
  block INTEGER NOT NULL,
  claimable_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','stands','challenged','closed','skipped','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  reason TEXT, challenge_tx TEXT, bond_won_wei TEXT,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS validation_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), block INTEGER NOT NULL);
`

type Row = {
  settle_tx: string; inference_id: string; block: number; claimable_at: number; state: ValidationState; attempts: number
  reason: string | null; challenge_tx: string | null; bond_won_wei: string | null
}

function toValidation(r: Row): Validation {
  const v: Validation = { settleTx: r.settle_tx, inferenceId: r.inference_id, block: r.block, claimableAt: r.claimable_at, state: r.state, attempts: r.attempts }
  if (r.reason !== null) v.reason = r.reason
  if (r.challenge_tx !== null) v.challengeTx = r.challenge_tx
  if (r.bond_won_wei !== null) v.bondWonWei = BigInt(r.bond_won_wei)
  return v
}

export type ValidationQueue = {
  /** Add a settlement to check (idempotent). True when added. */
  add(v: { settleTx: string; inferenceId: string; block: number; claimableAt: number }): boolean
  /** The pending settlement whose window closes first, leaving out the settle transactions in `skip`. */
  next(skip?: ReadonlySet<string>): Validation | undefined
  /** End a check (or count a retry with `state: 'pending'`). */
  finish(settleTx: string, state: ValidationState, update?: { reason?: string; challengeTx?: string; bondWonWei?: bigint; attempt?: boolean }): Validation
  list(): Validation[]
  counts(): Record<ValidationState, number>
  /** The challenger's shares of the bonds this node won, OPEN wei. */
  bondsWonWei(): bigint
  cursor(): number | undefined
  setCursor(block: number): void
}

/** The validations table of an open node database (openJobQueue's). */
export function openValidationQueue(db: Database.Database): ValidationQueue {
  db.exec(DDL)
  const now = () => new Date().toISOString()
  const get = (tx: string) => {
    const row = db.prepare('SELECT * FROM validations WHERE settle_tx = ?').get(tx.toLowerCase()) as Row | undefined
    return row ? toValidation(row) : undefined
  }
  return {
    add: ({ settleTx, inferenceId, block, claimableAt }) =>
      db.prepare('INSERT OR IGNORE INTO validations (settle_tx, inference_id, block, claimable_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(settleTx.toLowerCase(), inferenceId.toLowerCase(), block, claimableAt, 'pending', now()).changes === 1,
    next(skip = new Set<string>()) {
      for (const row of db.prepare("SELECT * FROM validations WHERE state = 'pending' ORDER BY claimable_at, settle_tx").iterate() as IterableIterator<Row>) {
        if (!skip.has(row.settle_tx)) return toValidation(row)
      }
      return undefined
    },
    finish(settleTx, state, update = {}) {
      const tx = settleTx.toLowerCase()
      const was = get(tx)
      if (!was) throw new Error(`no validation of settlement tx ${tx}`)
      if (was.state !== 'pending') throw new Error(`validation of ${tx} already ended (${was.state})`)
      db.prepare(`UPDATE validations SET state = ?, attempts = attempts + ?, reason = COALESCE(?, reason), challenge_tx = COALESCE(?, challenge_tx),
        bond_won_wei = COALESCE(?, bond_won_wei), updated_at = ? WHERE settle_tx = ?`)
        .run(state, update.attempt ? 1 : 0, update.reason ?? null, update.challengeTx ?? null, update.bondWonWei?.toString() ?? null, now(), tx)
      return get(tx)!
    },
    list: () => (db.prepare('SELECT * FROM validations ORDER BY block, settle_tx').all() as Row[]).map(toValidation),
    counts() {
      const out = Object.fromEntries(VALIDATION_STATES.map((s) => [s, 0])) as Record<ValidationState, number>
      for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM validations GROUP BY state').all() as { state: ValidationState; n: number }[]) out[r.state] = r.n
      return out
    },
    bondsWonWei: () => (db.prepare("SELECT bond_won_wei FROM validations WHERE state = 'challenged'").all() as { bond_won_wei: string | null }[])
      .reduce((sum, r) => sum + BigInt(r.bond_won_wei ?? '0'), 0n),
    cursor: () => (db.prepare('SELECT block FROM validation_cursor WHERE id = 1').get() as { block: number } | undefined)?.block,
    setCursor(block) {
      db.prepare('INSERT INTO validation_cursor (id, block) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET block = excluded.block').run(block)
    },
  }
}
