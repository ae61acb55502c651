import type Database from 'better-sqlite3'
import { buildMerkleTree, type MerkleBackend } from '../merkle/index.ts'
import { getPoseidon } from '../hash/index.ts'
import { DuplicateRecordError, ImportTooLargeError, RecordErrorCollector, formatSource, normalizeRecord, resolveRecordLimits, type DatanetRecord, type RecordLimits, type RecordSource } from '../dataset/index.ts'
import { contentHash as hashContent, labelHash as hashLabel } from './recordLeaf.ts'
import { ConcurrentImportError, DatanetFullError, DatanetParameterError, ImportAbortedError } from './errors.ts'
import { fieldFromDb, fieldToDb } from './schema.ts'

export type Progress = { done: number; total: number; unit: string }

/** A record to import; `source` (file:line) makes error messages point into the import file. */
export type ImportRecord = DatanetRecord & { source?: RecordSource }

export type ImportRecordsParameters = {
  records: readonly ImportRecord[]
  /** Called inside the import transaction after each record is written; a throw rolls back the whole import. */
  onRecord?: (event: { position: number; record: ImportRecord }) => void
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
  /** Threads for tree hashing (default 1). */
  workers?: number
  /** Poseidon backend for the tree (default 'auto': native C when it builds, else WebAssembly); leaves are WebAssembly Poseidon(3). */
  backend?: MerkleBackend
  /** Free text stored with the version, for example the file name. */
  source?: string
  /** Record size and error-report limits (defaults: DEFAULT_RECORD_LIMITS); checked before anything is written. */
  limits?: Partial<RecordLimits>
}

export type DatanetRow = { id: number; name: string; owner: string; depth: number }

type Prepared = {
  record: ImportRecord
  where: string
  contentHash: bigint
  labelHash: bigint
  contributorField: bigint
  leaf: bigint
}

/**
 * Append `records` to a datanet as one new version. Work happens in two phases so that the
 * database is only ever written by one synchronous transaction:
 *  1. outside any transaction: validate, hash contents and leaves, find duplicates (within the batch
 *     and against stored records), build the tree over all leaves so far to get the new root;
 *  2. one transaction: check no other writer appended meanwhile, insert the records and the version.
 * An exception, an abort or a killed process in either phase leaves the previous version intact and
 * writes nothing (SQLite rolls back an uncommitted transaction when the file is next opened).
 */
export async function importRecordsInto(
  db: Database.Database,
  datanet: DatanetRow,
  { records, onRecord, onProgress, signal, workers, source, backend = 'auto', limits }: ImportRecordsParameters,
): Promise<{ version: number; recordCount: number; root: bigint; added: number }> {
  const abort = () => {
    if (signal?.aborted) throw new ImportAbortedError({ datanet: datanet.name, cause: signal.reason })
  }
  abort()
  if (records.length === 0) throw new DatanetParameterError({ name: 'records', value: 0, expected: 'at least one record to import' })
  const before = db.prepare('SELECT COUNT(*) AS n FROM records WHERE datanet_id = ?').get(datanet.id) as { n: number }
  const have = before.n
  if (have + records.length > 2 ** datanet.depth) throw new DatanetFullError({ datanet: datanet.name, depth: datanet.depth, have, adding: records.length })

  const resolvedLimits = resolveRecordLimits(limits)
  const importBytes = records.reduce((n, r) => n + (typeof r.content === 'string' ? Buffer.byteLength(r.content, 'utf8') : (r.content?.length ?? 0)), 0)
  if (importBytes > resolvedLimits.maxImportBytes) {
    throw new ImportTooLargeError({ file: records[0]?.source?.file ?? source ?? 'records', bytes: importBytes, limit: resolvedLimits.maxImportBytes })
  }
  // Every bad or duplicated record is reported at once (up to the cap), and nothing is written.
  const errors = new RecordErrorCollector(records[0]?.source?.file ?? source ?? 'records', resolvedLimits.maxReportedErrors)
  const prepared: Prepared[] = []
  const addresses = new Map<string, string>()
  const seen = new Map<string, string>()
  const findStored = db.prepare('SELECT position, source FROM records WHERE datanet_id = ? AND contributor = ? AND content_hash = ?')
  const total = records.length
  for (let i = 0; i < records.length; i++) {
    const given = records[i]
    const at: RecordSource = given.source ?? { file: 'records', line: i + 1 }
    // API callers get the same checks as file imports: one validator for every door.
    const record = errors.attempt(() => revalidate(given, at, addresses, resolvedLimits.maxRecordBytes))
    if (record) {
      const where = formatSource(at)
      const contentHash = hashContent(record.content)
      const key = `${record.contributor}:${contentHash}`
      const first = seen.get(key)
      // An empty datanet has nothing to collide with: skip one query per record.
      const stored = first !== undefined || have === 0 ? undefined : (findStored.get(datanet.id, record.contributor, fieldToDb(contentHash)) as { position: number; source: string | null } | undefined)
      if (first !== undefined) errors.add(new DuplicateRecordError({ contributor: record.contributor, contentHash, first, second: where }))
      else if (stored) {
        const first = `datanet "${datanet.name}" position ${stored.position}${stored.source ? ` (imported from ${stored.source})` : ''}`
        errors.add(new DuplicateRecordError({ contributor: record.contributor, contentHash, first, second: where }))
      } else {
        seen.set(key, where)
        prepared.push({ record, where, contentHash, labelHash: hashLabel(record.label), contributorField: BigInt(record.contributor), leaf: 0n })
      }
    }
    if (i % 1024 === 1023 || i === total - 1) {
      onProgress?.({ done: i + 1, total, unit: 'records checked' })
      abort()
      // Yield so an abort or a timer can run during a long hashing loop.
      await new Promise((r) => setImmediate(r))
    }
  }

  errors.throwIfAny()

  await hashLeaves(prepared, { onProgress, abort })

  // Only the `have` records counted above: a concurrent append is caught in the transaction below.
  const storedLeaves = (db.prepare('SELECT leaf FROM records WHERE datanet_id = ? AND position < ? ORDER BY position').pluck().all(datanet.id, have) as string[]).map(fieldFromDb)
  const tree = await buildMerkleTree({
    leaves: [...storedLeaves, ...prepared.map((p) => p.leaf)],
    depth: datanet.depth,
    workers,
    signal,
    backend,
    onProgress: (p) => onProgress?.({ ...p, unit: 'tree hashes' }),
  }).catch((error) => {
    if (signal?.aborted) throw new ImportAbortedError({ datanet: datanet.name, cause: error })
    throw error
  })
  abort()

  const insert = db.prepare(
    `INSERT INTO records (datanet_id, position, contributor, content, content_is_text, content_hash, leaf, label, metadata, source, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const lastVersion = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM versions WHERE datanet_id = ?')
  const insertVersion = db.prepare('INSERT INTO versions (datanet_id, version, record_count, root, source, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  const commit = db.transaction(() => {
    const now = (db.prepare('SELECT COUNT(*) AS n FROM records WHERE datanet_id = ?').get(datanet.id) as { n: number }).n
    if (now !== have) throw new ConcurrentImportError({ datanet: datanet.name, expected: have, got: now })
    const version = (lastVersion.get(datanet.id) as { v: number }).v + 1
    prepared.forEach(({ record, where, contentHash, leaf }, i) => {
      const position = have + i
      const isText = typeof record.content === 'string'
      insert.run(
        datanet.id, position, record.contributor,
        isText ? Buffer.from(record.content as string, 'utf8') : Buffer.from(record.content as Uint8Array),
        isText ? 1 : 0, fieldToDb(contentHash), fieldToDb(leaf),
        record.label ?? null, record.metadata === undefined ? null : JSON.stringify(record.metadata),
        where, version,
      )
      onRecord?.({ position, record })
    })
    insertVersion.run(datanet.id, version, have + prepared.length, fieldToDb(tree.root), source ?? null, new Date().toISOString())
    return version
  })
  // IMMEDIATE takes the write lock before the count check, so two importers cannot both pass it.
  const version = commit.immediate()
  return { version, recordCount: have + prepared.length, root: tree.root, added: prepared.length }
}

function revalidate(record: ImportRecord, at: RecordSource, addresses: Map<string, string>, maxRecordBytes: number): ImportRecord {
  const raw: Record<string, unknown> = { contributor: record.contributor }
  if (typeof record.content === 'string') raw.content = record.content
  else if (record.content instanceof Uint8Array) raw.contentBase64 = Buffer.from(record.content).toString('base64')
  else raw.content = record.content
  if (record.label !== undefined) raw.label = record.label
  if (record.metadata !== undefined) raw.metadata = record.metadata
  const { source: _ignored, ...checked } = normalizeRecord(raw, at, addresses, { maxRecordBytes })
  return { ...checked, source: at }
}

/**
 * leaf = Poseidon(contributor, contentHash, labelHash) for every record. The native C hasher only
 * computes Poseidon(2) (tree nodes), so leaves use the WebAssembly Poseidon(3): about 50 us a leaf,
 * 3 s for 2^16 records, against the tree's 2^17 hashes that still go native.
 */
async function hashLeaves(prepared: Prepared[], { onProgress, abort }: { onProgress?: (p: Progress) => void; abort: () => void }): Promise<void> {
  const total = prepared.length
  const poseidon = await getPoseidon()
  for (let i = 0; i < total; i++) {
    prepared[i].leaf = poseidon.hash([prepared[i].contributorField, prepared[i].contentHash, prepared[i].labelHash])
    if (i % 1024 === 1023 || i === total - 1) {
      onProgress?.({ done: i + 1, total, unit: 'leaves hashed' })
      abort()
      await new Promise((r) => setImmediate(r))
    }
  }
}
