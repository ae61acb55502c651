import type Database from 'better-sqlite3'
import { DatanetStoreFormatError } from './errors.ts'

/**
 * The store's tables. Field elements (content hashes, leaves, roots) are 64-digit lower-case hex
 * without 0x, so equal values compare equal as text and sort as numbers.
 *
 * - `records` is append-only (triggers refuse UPDATE and DELETE): a version is a prefix of it, so
 *   every older version's root and proofs can be rebuilt forever. `position` is the leaf index.
 * - `leaf` caches Poseidon(contributor, contentHash, labelHash) so rebuilding a tree hashes no
 *   content again.
 * - `versions` holds one row per import; the chain columns are filled by `recordVersionCommit`.
 *
 * The schema version (SQLite `user_version`) is also the leaf format: schema 1 cached
 * Poseidon(contributor, contentHash) leaves (labels not committed) in the same tables. A schema-1
 * store with records is refused (`DatanetStoreFormatError`, naming `poa datanet migrate`); an
 * empty one is taken over, since it holds no leaf to reinterpret.
 */
export const SCHEMA_VERSION = 2

const DDL = `
CREATE TABLE IF NOT EXISTS datanets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  depth INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 32),
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
  datanet_id INTEGER NOT NULL REFERENCES datanets(id),
  position INTEGER NOT NULL CHECK (position >= 0),
  contributor TEXT NOT NULL,
  content BLOB NOT NULL,
  content_is_text INTEGER NOT NULL CHECK (content_is_text IN (0, 1)),
  content_hash TEXT NOT NULL,
  leaf TEXT NOT NULL,
  label TEXT,
  metadata TEXT,
  source TEXT,
  version INTEGER NOT NULL,
  PRIMARY KEY (datanet_id, position),
  UNIQUE (datanet_id, contributor, content_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
  datanet_id INTEGER NOT NULL REFERENCES datanets(id),
  version INTEGER NOT NULL CHECK (version >= 1),
  record_count INTEGER NOT NULL,
  root TEXT NOT NULL,
  source TEXT,
  created_at TEXT NOT NULL,
  tx_hash TEXT,
  block_number INTEGER,
  chain_id INTEGER,
  registry TEXT,
  committed_at TEXT,
  PRIMARY KEY (datanet_id, version)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
  BEGIN SELECT RAISE(ABORT, 'datanet records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
  BEGIN SELECT RAISE(ABORT, 'datanet records are append-only'); END;
`

/** The schema a store file was written with (0: a new, empty file). */
export function storeSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * Create the tables if missing, after refusing a store of another leaf format.
 * WAL + synchronous=FULL: a committed import survives a crash or power cut.
 */
export function applySchema(db: Database.Database, path: string): void {
  const found = storeSchemaVersion(db)
  if (found !== 0 && found !== SCHEMA_VERSION) {
    const records = found < SCHEMA_VERSION ? (db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n : 0
    if (found > SCHEMA_VERSION || records > 0) throw new DatanetStoreFormatError({ path, found, expected: SCHEMA_VERSION, records })
  }
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.exec(DDL)
  db.pragma(`user_version = ${SCHEMA_VERSION}`)
}

/** A field element as stored: 64 hex digits, no prefix. */
export function fieldToDb(value: bigint): string {
  return value.toString(16).padStart(64, '0')
}

export function fieldFromDb(text: string): bigint {
  return BigInt(`0x${text}`)
}
