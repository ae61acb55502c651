import type Database from 'better-sqlite3'
import { fieldFromDb } from './schema.ts'

/** A record as the store returns it: its leaf position, the commitments, and the original content. */
export type StoredRecord = {
  /** Leaf index in the datanet tree. */
  position: number
  contributor: string
  /** Text exactly as imported, or the raw bytes for binary records. */
  content: string | Uint8Array
  /** keccak256(content) >> 8. */
  contentHash: bigint
  /** Poseidon(contributor, contentHash, labelHash). */
  leaf: bigint
  /** Committed in the leaf as labelHash (0 when absent). */
  label?: string
  metadata?: Record<string, unknown>
  /** Where it was imported from (`file:line`), if known. */
  source?: string
  /** The version that first included it. */
  version: number
}

type RecordRow = {
  position: number; contributor: string; content: Buffer; content_is_text: number; content_hash: string
  leaf: string; label: string | null; metadata: string | null; source: string | null; version: number
}

/** The first `count` records of a datanet in leaf order. */
export function readDatanetRecords(db: Database.Database, datanetId: number, count: number): StoredRecord[] {
  return readDatanetRecordRange(db, datanetId, 0, count)
}

/**
 * Records at positions start..end-1 of a datanet in leaf order: one range scan of the
 * (datanet_id, position) primary key, so a caller can walk a large datanet in bounded memory.
 */
export function readDatanetRecordRange(db: Database.Database, datanetId: number, start: number, end: number): StoredRecord[] {
  const rows = db
    .prepare('SELECT position, contributor, content, content_is_text, content_hash, leaf, label, metadata, source, version FROM records WHERE datanet_id = ? AND position >= ? AND position < ? ORDER BY position')
    .all(datanetId, start, end) as RecordRow[]
  return rows.map((row) => {
    const record: StoredRecord = {
      position: row.position,
      contributor: row.contributor,
      content: row.content_is_text ? row.content.toString('utf8') : new Uint8Array(row.content),
      contentHash: fieldFromDb(row.content_hash),
      leaf: fieldFromDb(row.leaf),
      version: row.version,
    }
    if (row.label !== null) record.label = row.label
    if (row.metadata !== null) record.metadata = JSON.parse(row.metadata)
    if (row.source !== null) record.source = row.source
    return record
  })
}
