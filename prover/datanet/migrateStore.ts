import Database from 'better-sqlite3'
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatanetParameterError } from './errors.ts'
import type { ImportRecord } from './importRecords.ts'
import { SCHEMA_VERSION, storeSchemaVersion } from './schema.ts'
import { openDatanetStore, toVersion, type DatanetStore } from './store.ts'
import { readDatanetRecords } from './storedRecords.ts'

export type MigratedVersion = {
  version: number
  recordCount: number
  /** The root the old store recorded (schema-1 leaves); kept, with its commit, in the old file. */
  oldRoot: bigint
  /** The root of the same records under today's leaves. */
  root: bigint
  /** Where the old root was committed, if it was: that on-chain history is not touched. */
  oldCommit?: { txHash: string; chainId: number; registry: string }
}

export type MigrateDatanetStoreReturnType = {
  /** False when the store already has the current schema (or there is none): nothing was done. */
  migrated: boolean
  path: string
  /** The old store, kept byte for byte (set when migrated). */
  keptAs?: string
  fromSchema?: number
  datanets: { id: number; name: string; versions: MigratedVersion[] }[]
}

const ALL_SIZES = { maxRecordBytes: Number.MAX_SAFE_INTEGER, maxImportBytes: Number.MAX_SAFE_INTEGER }

/**
 * Move a datanet store of an older leaf format (schema 1: leaves Poseidon(contributor, contentHash),
 * labels not committed) to today's: every datanet is created again with its id, name, owner and
 * depth, and every version is re-imported with the same records (content byte for byte, label,
 * metadata, source) at the same positions, giving the same version boundaries under new roots.
 *
 * Nothing stored is lost or rewritten: the new store is built beside the old one, then the old file
 * is renamed `poa.schema<N>.sqlite` (its roots and commit records stay readable there) and the new
 * one takes `poa.sqlite`. A crash before the rename leaves the old store in place; a crash between
 * the two renames leaves `poa.schema<N>.sqlite` and no `poa.sqlite`, which the next run picks up.
 * Migrated versions are not committed: their roots are new, and a chain that holds the old roots
 * keeps them (DatanetRegistry history is append-only).
 */
export async function migrateDatanetStore({ home }: { home: string }): Promise<MigrateDatanetStoreReturnType> {
  if (typeof home !== 'string' || home === '') throw new DatanetParameterError({ name: 'home', value: home, expected: 'a directory path' })
  const path = join(home, 'poa.sqlite')
  let source = path
  let fromSchema = existsSync(path) ? readSchema(path) : undefined
  if (fromSchema === undefined) {
    // A previous run may have stopped between its two renames.
    const kept = join(home, 'poa.schema1.sqlite')
    if (!existsSync(kept)) return { migrated: false, path, datanets: [] }
    source = kept
    fromSchema = readSchema(kept)
  }
  if (fromSchema === SCHEMA_VERSION || fromSchema === 0) return { migrated: false, path, datanets: [] }
  if (fromSchema > SCHEMA_VERSION) throw new DatanetParameterError({ name: 'store schema', value: fromSchema, expected: `at most ${SCHEMA_VERSION} (upgrade poa)` })

  const keptAs = join(home, `poa.schema${fromSchema}.sqlite`)
  const tmpHome = mkdtempSync(join(home, '.migrate-'))
  const old = new Database(source, { readonly: true, fileMustExist: true })
  let target: DatanetStore | undefined
  const datanets: MigrateDatanetStoreReturnType['datanets'] = []
  try {
    target = openDatanetStore({ home: tmpHome })
    const rows = old.prepare('SELECT id, name, owner, depth FROM datanets ORDER BY id').all() as { id: number; name: string; owner: string; depth: number }[]
    for (const d of rows) {
      const created = target.createDatanet({ name: d.name, owner: d.owner, depth: d.depth })
      // Ids are how commands and other homes refer to datanets: they must survive the move.
      if (created.id !== d.id) throw new DatanetParameterError({ name: `datanet "${d.name}" id`, value: created.id, expected: `${d.id} as in ${source} (datanet ids there are not 1..n)` })
      const versions = (old.prepare('SELECT * FROM versions WHERE datanet_id = ? ORDER BY version').all(d.id) as Parameters<typeof toVersion>[0][]).map(toVersion)
      const records = readDatanetRecords(old, d.id, versions.at(-1)?.recordCount ?? 0)
      const migrated: MigratedVersion[] = []
      let done = 0
      for (const v of versions) {
        const batch: ImportRecord[] = records.slice(done, v.recordCount).map((r) => ({
          contributor: r.contributor,
          content: r.content,
          ...(r.label !== undefined ? { label: r.label } : {}),
          ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
          source: parseSource(r.source, r.position),
        }))
        const note = `migrated from schema ${fromSchema} v${v.version} (root 0x${v.root.toString(16)}${v.commit ? `, committed in ${v.commit.txHash} on chain ${v.commit.chainId}` : ''})${v.source ? `: ${v.source}` : ''}`
        const imported = await target.importRecords(d.id, { records: batch, source: note, limits: ALL_SIZES })
        migrated.push({
          version: imported.version, recordCount: imported.recordCount, oldRoot: v.root, root: imported.root,
          ...(v.commit ? { oldCommit: { txHash: v.commit.txHash, chainId: v.commit.chainId, registry: v.commit.registry } } : {}),
        })
        done = v.recordCount
      }
      datanets.push({ id: d.id, name: d.name, versions: migrated })
    }
  } catch (error) {
    target?.close()
    old.close()
    rmSync(tmpHome, { recursive: true, force: true })
    throw error
  }
  target.close()
  old.close()
  if (source === path) renameSync(path, keptAs)
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, keptAs + suffix)
  renameSync(join(tmpHome, 'poa.sqlite'), path)
  rmSync(tmpHome, { recursive: true, force: true })
  return { migrated: true, path, keptAs, fromSchema, datanets }
}

function readSchema(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return storeSchemaVersion(db)
  } finally {
    db.close()
  }
}

/** A stored source is `file:line`; anything else becomes the file, with the position as its line. */
function parseSource(source: string | undefined, position: number): { file: string; line: number } {
  const match = source === undefined ? null : /^(.*):(\d+)$/.exec(source)
  return match ? { file: match[1], line: Number(match[2]) } : { file: source ?? 'migrated', line: position + 1 }
}
