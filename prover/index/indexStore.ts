import { link, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { processAlive } from '../lock/index.ts'
import { buildQuaternaryTree, bytesToFields, fieldsToBytes, quaternaryLevels } from '../merkle/index.ts'
import { INDEX_FORMAT, type AttributionIndex, type DatanetRef, type IndexManifest } from './buildAttributionIndex.ts'

/**
 * An index on disk, next to its model: `<modelDir>/index/<datanetId>/v<version>/` holds
 * `index.json` (manifest: model hashes, datanet id + version + root, k, scale, root),
 * `features.i16` (count x k little-endian int16), `recordLeaves.bin` and `leaves.bin`
 * (32-byte big-endian field elements). Loading rebuilds the tree and checks the stored root.
 */
export class IndexNotFoundError extends PoaError {
  constructor({ dir }: { dir: string }) {
    super('INDEX_NOT_FOUND', 'BAD_INPUT', `no attribution index at ${dir}: expected index.json (run "poa model index")`, { meta: { dir } })
  }
}

export class IndexCorruptError extends PoaError {
  constructor({ file, expected, got }: { file: string; expected: string; got: string }) {
    super('INDEX_CORRUPT', 'VERIFICATION_FAILED', `${file}: expected ${expected}, got ${got}`, { meta: { file, expected, got } })
  }
}

/** An index written by an older poa (v1: binary index tree), which today's circuit cannot open. */
export class IndexFormatError extends PoaError {
  constructor({ file, got }: { file: string; got: string }) {
    super('INDEX_FORMAT', 'BAD_INPUT', `${file}: format ${got} is not ${INDEX_FORMAT} (v1 indexes used a binary index tree): rebuild it with "poa model index"`, {
      meta: { file, got, expected: INDEX_FORMAT },
    })
  }
}

/** The index was built from another datanet version than the one asked for. */
export class IndexDatanetMismatchError extends PoaError {
  constructor({ field, expected, got }: { field: 'id' | 'version' | 'root'; expected: string; got: string }) {
    super('INDEX_DATANET_MISMATCH', 'BAD_INPUT', `attribution index was built from datanet ${field} ${got}: expected ${expected} (rebuild it with "poa model index")`, {
      meta: { field, expected, got },
    })
  }
}

export function indexDir(modelDir: string, datanetId: string, version: number): string {
  return join(modelDir, 'index', encodeURIComponent(datanetId), `v${version}`)
}

/**
 * Write an index as a whole: its files go into a temporary folder beside `dir`, which then replaces
 * `dir`. A process killed while writing leaves the previous index (or none) and a temporary folder
 * that nothing reads, never new features under an old manifest.
 */
export async function saveAttributionIndex(dir: string, index: AttributionIndex): Promise<void> {
  await mkdir(dirname(dir), { recursive: true })
  await recoverInterruptedSave(dir, { cleanUp: true })
  const tmp = stagingFolder(dir)
  await mkdir(tmp)
  const f = index.features
  await writeFile(join(tmp, 'features.i16'), new Uint8Array(f.buffer, f.byteOffset, f.byteLength))
  await writeFile(join(tmp, 'recordLeaves.bin'), fieldsToBytes(index.recordLeaves))
  await writeFile(join(tmp, 'leaves.bin'), fieldsToBytes(index.leaves))
  await writeFile(join(tmp, 'index.json'), manifestText(index.manifest))
  await swapIntoPlace(dir, tmp)
}

/** index.json as every save writes it (the streaming build too, so both give the same bytes). */
export function manifestText(manifest: IndexManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/** A fresh temporary folder name beside `dir` that `recoverInterruptedSave` knows (pid and time stamp). */
function stagingFolder(dir: string): string {
  return `${dir}.tmp-${process.pid}-${Date.now().toString(36)}`
}

/** The two renames: the old index aside, the new one in, then the old one dropped. */
async function swapIntoPlace(dir: string, tmp: string): Promise<void> {
  // A folder cannot be renamed over a non-empty one: move the old index aside first, then drop it.
  const old = `${dir}.old-${process.pid}-${Date.now().toString(36)}`
  if (existsSync(dir)) await rename(dir, old)
  await rename(tmp, dir)
  await rm(old, { recursive: true, force: true })
}

/**
 * Install an index whose files were written elsewhere (the streaming build's folder): `files` maps
 * each index file name (`features.i16`, `recordLeaves.bin`, `leaves.bin`) to where it lies now,
 * on the same file system. They are hard-linked into a temporary folder (no copy, and the build
 * folder keeps them until the caller removes it, so a kill here loses nothing), `index.json` is
 * written last, and the folder replaces `dir` with the same two renames as `saveAttributionIndex`:
 * a kill at any point leaves the previous index or the new one, never a mix.
 */
export async function installAttributionIndex(dir: string, { files, manifest }: { files: Record<'features.i16' | 'recordLeaves.bin' | 'leaves.bin', string>; manifest: IndexManifest }): Promise<void> {
  await mkdir(dirname(dir), { recursive: true })
  await recoverInterruptedSave(dir, { cleanUp: true })
  const tmp = stagingFolder(dir)
  await mkdir(tmp)
  for (const [name, from] of Object.entries(files)) await link(from, join(tmp, name))
  await writeFile(join(tmp, 'index.json'), manifestText(manifest))
  await swapIntoPlace(dir, tmp)
}

/**
 * What a save killed by a dead process left beside `dir`: a complete new index (`.tmp-` with its
 * manifest, written last) or the previous one moved aside (`.old-`). When `dir` has no index, the
 * complete new one is moved into place (the save had finished writing), else the previous one is
 * moved back: a kill between the save's two renames loses nothing. Folders of a live process are
 * left alone (its save is under way). With `cleanUp`, dead processes' leftovers are then removed.
 */
async function recoverInterruptedSave(dir: string, { cleanUp = false } = {}): Promise<void> {
  const parent = dirname(dir)
  if (!existsSync(parent)) return
  const base = basename(dir)
  const leftovers = (await readdir(parent)).flatMap((name) => {
    const m = name.startsWith(`${base}.`) ? /^\.(tmp|old)-(\d+)-([0-9a-z]+)$/.exec(name.slice(base.length)) : null
    return m && !processAlive(Number(m[2])) ? [{ path: join(parent, name), kind: m[1], stamp: parseInt(m[3], 36) }] : []
  }).sort((a, b) => b.stamp - a.stamp)
  if (!existsSync(join(dir, 'index.json'))) {
    const restore = leftovers.find((l) => l.kind === 'tmp' && existsSync(join(l.path, 'index.json'))) ?? leftovers.find((l) => l.kind === 'old' && existsSync(join(l.path, 'index.json')))
    if (restore) {
      await rm(dir, { recursive: true, force: true })
      await rename(restore.path, dir)
    }
  }
  if (cleanUp) for (const l of leftovers) await rm(l.path, { recursive: true, force: true })
}

export async function loadAttributionIndex(dir: string): Promise<AttributionIndex> {
  await recoverInterruptedSave(dir)
  if (!existsSync(join(dir, 'index.json'))) throw new IndexNotFoundError({ dir })
  const manifest = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as IndexManifest
  if (manifest.format !== INDEX_FORMAT) {
    throw new IndexFormatError({ file: join(dir, 'index.json'), got: String(manifest.format) })
  }
  const levels = quaternaryLevels(manifest.treeDepth)
  if (manifest.indexTree?.arity !== 4 || manifest.indexTree.levels !== levels) {
    throw new IndexCorruptError({ file: join(dir, 'index.json'), expected: `indexTree { arity: 4, levels: ${levels} }`, got: JSON.stringify(manifest.indexTree) })
  }
  const raw = await readFile(join(dir, 'features.i16'))
  if (raw.length !== manifest.count * manifest.k * 2) {
    throw new IndexCorruptError({ file: join(dir, 'features.i16'), expected: `${manifest.count * manifest.k * 2} bytes`, got: `${raw.length}` })
  }
  // Copy into an aligned buffer: Buffer slices from the pool may start at an odd offset.
  const features = new Int16Array(new Uint8Array(raw).buffer)
  const fieldFile = async (name: string) => {
    const bytes = await readFile(join(dir, name))
    if (bytes.length !== manifest.count * 32) throw new IndexCorruptError({ file: join(dir, name), expected: `${manifest.count} field elements (${manifest.count * 32} bytes)`, got: `${bytes.length} bytes` })
    return bytesToFields(bytes)
  }
  const recordLeaves = await fieldFile('recordLeaves.bin')
  const leaves = await fieldFile('leaves.bin')
  // Native hashing when it builds (a 2^20-leaf tree: seconds instead of ~30 s of WebAssembly).
  const tree = await buildQuaternaryTree({ leaves, levels, backend: 'auto' })
  if (tree.root.toString() !== manifest.root) throw new IndexCorruptError({ file: join(dir, 'leaves.bin'), expected: `root ${manifest.root}`, got: `root ${tree.root}` })
  return { manifest, features, recordLeaves, leaves, tree }
}

/** Refuse to use an index against any datanet version other than the one it was built from. */
export function assertIndexMatchesDatanet(manifest: IndexManifest, datanet: DatanetRef): void {
  if (manifest.datanet.id !== datanet.id) throw new IndexDatanetMismatchError({ field: 'id', expected: datanet.id, got: manifest.datanet.id })
  if (manifest.datanet.version !== datanet.version) {
    throw new IndexDatanetMismatchError({ field: 'version', expected: String(datanet.version), got: String(manifest.datanet.version) })
  }
  if (manifest.datanet.root !== datanet.root.toString()) throw new IndexDatanetMismatchError({ field: 'root', expected: datanet.root.toString(), got: manifest.datanet.root })
}
