import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { toChecksumAddress } from '../field/index.ts'
import { buildMerkleTree, getMerkleProof, MAX_TREE_DEPTH, type MerkleBackend, type MerkleProof, type MerkleTree } from '../merkle/index.ts'
import { DatanetCorruptError, DatanetExistsError, DatanetNotFoundError, DatanetParameterError, VersionNotFoundError } from './errors.ts'
import { importRecordsInto, type ImportRecordsParameters, type Progress } from './importRecords.ts'
import { applySchema, fieldFromDb } from './schema.ts'
import { readDatanetRecordRange, readDatanetRecords, type StoredRecord } from './storedRecords.ts'
import { recordCommitInto, type RecordVersionCommitParameters } from './versionCommit.ts'

/** A datanet is referenced by its numeric id (number or digit string) or its name. */
export type DatanetRef = number | string

export type DatanetInfo = {
  id: number
  name: string
  /** Checksummed owner address. */
  owner: string
  /** Tree depth: the datanet holds at most 2^depth records. */
  depth: number
  createdAt: string
  recordCount: number
  /** 0 while no records were imported. */
  latestVersion: number
}

export type VersionCommit = { txHash: string; blockNumber: number; chainId: number; registry: string; committedAt: string }

export type DatanetVersion = {
  datanetId: number
  version: number
  /** The version covers records at positions 0..recordCount-1. */
  recordCount: number
  root: bigint
  /** What the import came from (a file name), if known. */
  source?: string
  createdAt: string
  /** Filled once the root is committed on-chain (`recordVersionCommit`). */
  commit?: VersionCommit
}

/** Tree build options; `backend` defaults to 'auto' (native C Poseidon when it builds, else WebAssembly). */
export type BuildTreeOptions = { onProgress?: (p: Progress) => void; signal?: AbortSignal; workers?: number; backend?: MerkleBackend }

export type DatanetStore = {
  /** Path of the SQLite file. */
  readonly path: string
  createDatanet(p: { name: string; owner: string; depth?: number }): DatanetInfo
  getDatanet(ref: DatanetRef): DatanetInfo
  listDatanets(): DatanetInfo[]
  /** Append records as one new version (one transaction). */
  importRecords(ref: DatanetRef, p: ImportRecordsParameters): Promise<DatanetVersion>
  listVersions(ref: DatanetRef): DatanetVersion[]
  /** A version (default: the latest). */
  getVersion(ref: DatanetRef, version?: number): DatanetVersion
  /** Records of a version in leaf order (position = leaf index). */
  getRecords(ref: DatanetRef, version?: number): StoredRecord[]
  /**
   * Records at positions start..end-1 of a version (leaf order), for walking a large datanet a batch
   * at a time; 0 <= start <= end <= the version's record count, else DatanetParameterError.
   */
  readRecords(ref: DatanetRef, version: number | undefined, start: number, end: number): StoredRecord[]
  /** The cached leaves of a version, in leaf order (no content is re-hashed). */
  getLeaves(ref: DatanetRef, version?: number): bigint[]
  /** The Merkle tree of a version; checks its root against the stored one. */
  buildTree(ref: DatanetRef, version?: number, options?: BuildTreeOptions): Promise<MerkleTree>
  proveRecord(ref: DatanetRef, version: number | undefined, position: number, options?: BuildTreeOptions): Promise<MerkleProof>
  /** Store the on-chain commit of a version (called by the chain module once its transaction is mined). */
  recordVersionCommit(p: RecordVersionCommitParameters): DatanetVersion
  close(): void
}

export const DEFAULT_DATANET_DEPTH = 20
const NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/
/** Trees kept in memory per store, so repeated proofs of one version do not rebuild it. */
const TREE_CACHE_SIZE = 2

type DatanetDbRow = { id: number; name: string; owner: string; depth: number; created_at: string; record_count: number; latest_version: number }
type VersionDbRow = {
  datanet_id: number; version: number; record_count: number; root: string; source: string | null; created_at: string
  tx_hash: string | null; block_number: number | null; chain_id: number | null; registry: string | null; committed_at: string | null
}

const SELECT_DATANET = `SELECT d.id, d.name, d.owner, d.depth, d.created_at,
  (SELECT COUNT(*) FROM records r WHERE r.datanet_id = d.id) AS record_count,
  (SELECT COALESCE(MAX(v.version), 0) FROM versions v WHERE v.datanet_id = d.id) AS latest_version
  FROM datanets d`

function toInfo(row: DatanetDbRow): DatanetInfo {
  return { id: row.id, name: row.name, owner: row.owner, depth: row.depth, createdAt: row.created_at, recordCount: row.record_count, latestVersion: row.latest_version }
}

export function toVersion(row: VersionDbRow): DatanetVersion {
  const version: DatanetVersion = { datanetId: row.datanet_id, version: row.version, recordCount: row.record_count, root: fieldFromDb(row.root), createdAt: row.created_at }
  if (row.source !== null) version.source = row.source
  if (row.tx_hash !== null) {
    version.commit = { txHash: row.tx_hash, blockNumber: row.block_number!, chainId: row.chain_id!, registry: row.registry!, committedAt: row.committed_at! }
  }
  return version
}

/**
 * Open (creating if needed) the datanet store at `<home>/poa.sqlite`. One store per process is
 * enough; it is synchronous SQLite underneath, so callers close it in `finally`.
 *
 * @example
 * const store = openDatanetStore({ home: '.poa' })
 * try {
 *   store.createDatanet({ name: 'mail', owner: '0x...' })
 *   await store.importRecords('mail', { records: await readRecords({ path: 'mail.jsonl' }) })
 *   const proof = await store.proveRecord('mail', undefined, 0)
 * } finally { store.close() }
 */
export function openDatanetStore({ home }: { home: string }): DatanetStore {
  if (typeof home !== 'string' || home === '') throw new DatanetParameterError({ name: 'home', value: home, expected: 'a directory path' })
  mkdirSync(home, { recursive: true })
  const path = join(home, 'poa.sqlite')
  const db = new Database(path)
  try {
    applySchema(db, path)
  } catch (error) {
    db.close()
    throw error
  }
  const trees = new Map<string, MerkleTree>()

  const findDatanet = (ref: DatanetRef): DatanetDbRow => {
    const byId = typeof ref === 'number' || /^\d+$/.test(ref)
    const row = byId
      ? (db.prepare(`${SELECT_DATANET} WHERE d.id = ?`).get(Number(ref)) as DatanetDbRow | undefined)
      : (db.prepare(`${SELECT_DATANET} WHERE d.name = ?`).get(ref) as DatanetDbRow | undefined)
    if (!row) throw new DatanetNotFoundError({ ref })
    return row
  }

  const findVersion = (ref: DatanetRef, version?: number): { datanet: DatanetDbRow; version: DatanetVersion } => {
    const datanet = findDatanet(ref)
    const wanted = version ?? datanet.latest_version
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > datanet.latest_version) {
      throw new VersionNotFoundError({ datanet: datanet.name, version: wanted, latest: datanet.latest_version })
    }
    const row = db.prepare('SELECT * FROM versions WHERE datanet_id = ? AND version = ?').get(datanet.id, wanted) as VersionDbRow
    return { datanet, version: toVersion(row) }
  }

  const getLeaves = (ref: DatanetRef, version?: number): bigint[] => {
    const found = findVersion(ref, version)
    const rows = db.prepare('SELECT leaf FROM records WHERE datanet_id = ? AND position < ? ORDER BY position').pluck().all(found.datanet.id, found.version.recordCount) as string[]
    return rows.map(fieldFromDb)
  }

  const buildTree = async (ref: DatanetRef, version?: number, options: BuildTreeOptions = {}): Promise<MerkleTree> => {
    const found = findVersion(ref, version)
    const key = `${found.datanet.id}:${found.version.version}`
    const cached = trees.get(key)
    if (cached) return cached
    const tree = await buildMerkleTree({ leaves: getLeaves(found.datanet.id, found.version.version), depth: found.datanet.depth, backend: 'auto', ...options })
    // The leaves are a cache of hashes of the contents; a root mismatch means someone edited the file.
    if (tree.root !== found.version.root) {
      throw new DatanetCorruptError({ datanet: found.datanet.name, version: found.version.version, expected: found.version.root, got: tree.root })
    }
    trees.set(key, tree)
    if (trees.size > TREE_CACHE_SIZE) trees.delete(trees.keys().next().value!)
    return tree
  }

  return {
    path,
    createDatanet({ name, owner, depth = DEFAULT_DATANET_DEPTH }) {
      if (typeof name !== 'string' || !NAME.test(name)) {
        throw new DatanetParameterError({ name: 'name', value: name, expected: 'a letter then up to 63 letters, digits, ".", "_" or "-" (digits alone would read as an id)' })
      }
      const checkedOwner = toChecksumAddress(owner, 'owner')
      if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) {
        throw new DatanetParameterError({ name: 'depth', value: depth, expected: `an integer in [1, ${MAX_TREE_DEPTH}]` })
      }
      const existing = db.prepare('SELECT id FROM datanets WHERE name = ?').get(name) as { id: number } | undefined
      if (existing) throw new DatanetExistsError({ name, id: existing.id })
      const { lastInsertRowid } = db.prepare('INSERT INTO datanets (name, owner, depth, created_at) VALUES (?, ?, ?, ?)').run(name, checkedOwner, depth, new Date().toISOString())
      return toInfo(findDatanet(Number(lastInsertRowid)))
    },
    getDatanet: (ref) => toInfo(findDatanet(ref)),
    listDatanets: () => (db.prepare(`${SELECT_DATANET} ORDER BY d.id`).all() as DatanetDbRow[]).map(toInfo),
    async importRecords(ref, params) {
      const datanet = findDatanet(ref)
      const { version } = await importRecordsInto(db, datanet, params)
      return findVersion(datanet.id, version).version
    },
    listVersions(ref) {
      const datanet = findDatanet(ref)
      return (db.prepare('SELECT * FROM versions WHERE datanet_id = ? ORDER BY version').all(datanet.id) as VersionDbRow[]).map(toVersion)
    },
    getVersion: (ref, version) => findVersion(ref, version).version,
    getRecords(ref, version) {
      const found = findVersion(ref, version)
      return readDatanetRecords(db, found.datanet.id, found.version.recordCount)
    },
    readRecords(ref, version, start, end) {
      const found = findVersion(ref, version)
      const count = found.version.recordCount
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > count) {
        throw new DatanetParameterError({ name: 'start..end', value: `${start}..${end}`, expected: `integers with 0 <= start <= end <= ${count} (version ${found.version.version} has ${count} records)` })
      }
      return readDatanetRecordRange(db, found.datanet.id, start, end)
    },
    getLeaves,
    buildTree,
    async proveRecord(ref, version, position, options) {
      const found = findVersion(ref, version)
      if (!Number.isInteger(position) || position < 0 || position >= found.version.recordCount) {
        throw new DatanetParameterError({ name: 'position', value: position, expected: `an integer in [0, ${found.version.recordCount - 1}] (version ${found.version.version} has ${found.version.recordCount} records)` })
      }
      return getMerkleProof(await buildTree(found.datanet.id, found.version.version, options), position)
    },
    recordVersionCommit(params) {
      const found = findVersion(params.datanet, params.version)
      recordCommitInto(db, found.datanet.id, params)
      return findVersion(found.datanet.id, found.version.version).version
    },
    close: () => db.close(),
  }
}
