import { existsSync } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'

/**
 * The working folder of a streaming index build, `<index dir>.build/`, and its checkpoint. The build
 * appends each batch's rows to its files and then records, in `build.json`, how many rows are
 * durable: the data files are fsync'd first, then `build.json` is replaced (written to a temporary
 * file, fsync'd, renamed). A build killed at any point resumes from the last `build.json`: rows
 * past it are cut off and redone, so the result is byte-identical to an uninterrupted build.
 * A checkpoint of another build (other model, datanet version, k or batch size) is discarded.
 *
 * Files: `features.f32` (float features, staged because the quantisation scale is chosen from all
 * records' features), `recordLeaves.bin` (32 bytes a record), then `features.i16` and `leaves.bin`.
 */
export const INDEX_BUILD_FORMAT = 'poa-index-build-v1'

/** What a checkpoint must match to be resumed: everything that changes the bytes of the index. */
export type IndexBuildIdentity = {
  modelSha256: string
  featuresSha256: string
  datanet: { id: string; version: number; root: string }
  count: number
  k: number
  treeDepth: number
  /** Records per checkpoint: batches are the ONNX batches, so their floats depend on it. */
  batchSize: number
}

/** 'features': staging float features; 'leaves': features.i16 is complete, index leaves are hashed (then the trees, and the install, redone on resume: seconds). */
export type IndexBuildPhase = 'features' | 'leaves'

export type IndexBuildCheckpoint = {
  format: typeof INDEX_BUILD_FORMAT
  identity: IndexBuildIdentity
  phase: IndexBuildPhase
  /** Records whose float features and record leaves are durable. */
  featuresDone: number
  /** Largest |feature| over those records (the scale is chosen from it once all are done). */
  maxAbs: number
  /** Set when phase leaves 'features': the quantisation scale. */
  featureFracBits?: number
  /** Index leaves durable in leaves.bin (phase 'leaves'). */
  leavesDone: number
}

export class IndexBuildCheckpointError extends PoaError {
  constructor({ file, reason }: { file: string; reason: string }) {
    super('INDEX_BUILD_CHECKPOINT', 'BAD_INPUT', `${file}: ${reason} (delete the folder to start the build over)`, { meta: { file, reason } })
  }
}

/** Row sizes of the build files, in bytes per record. */
export function rowBytes(k: number) {
  return { 'features.f32': 4 * k, 'features.i16': 2 * k, 'recordLeaves.bin': 32, 'leaves.bin': 32 } as const
}
export type IndexBuildFile = keyof ReturnType<typeof rowBytes>

export type IndexBuildFolder = {
  readonly dir: string
  readonly checkpoint: Readonly<IndexBuildCheckpoint>
  /** Why an existing checkpoint was not resumed, when one was found and discarded. */
  readonly discarded?: string
  path(file: IndexBuildFile): string
  /** Append bytes to a build file (durable only after the next `commit`). */
  append(file: IndexBuildFile, bytes: Uint8Array): Promise<void>
  /** fsync every file appended since the last commit, then replace build.json with `next`. */
  commit(next: Partial<Omit<IndexBuildCheckpoint, 'format' | 'identity'>>): Promise<void>
  /** Empty a build file (a phase that starts over). */
  reset(file: IndexBuildFile): Promise<void>
  close(): Promise<void>
  /** Remove the folder (after the index is installed). */
  remove(): Promise<void>
}

function sameIdentity(a: IndexBuildIdentity, b: IndexBuildIdentity): string | undefined {
  const left = JSON.stringify(a), right = JSON.stringify(b)
  return left === right ? undefined : `checkpoint of another build (${left}), not this one (${right})`
}

async function readCheckpoint(file: string): Promise<IndexBuildCheckpoint> {
  let parsed: IndexBuildCheckpoint
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new IndexBuildCheckpointError({ file, reason: `not JSON (${(error as Error).message})` })
  }
  if (parsed.format !== INDEX_BUILD_FORMAT) throw new IndexBuildCheckpointError({ file, reason: `format ${String(parsed.format)} is not ${INDEX_BUILD_FORMAT}` })
  return parsed
}

/**
 * Open (or start) the build folder of the index at `indexDir` for `identity`. A resumed folder's
 * files are cut back to what its checkpoint says is durable.
 */
export async function openIndexBuildFolder(indexDir: string, identity: IndexBuildIdentity): Promise<IndexBuildFolder> {
  const dir = `${indexDir}.build`
  const checkpointFile = join(dir, 'build.json')
  let checkpoint: IndexBuildCheckpoint | undefined
  let discarded: string | undefined
  if (existsSync(checkpointFile)) {
    const found = await readCheckpoint(checkpointFile)
    discarded = sameIdentity(found.identity, identity)
    if (!discarded) checkpoint = found
  }
  if (!checkpoint) {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    checkpoint = { format: INDEX_BUILD_FORMAT, identity, phase: 'features', featuresDone: 0, maxAbs: 0, leavesDone: 0 }
  }
  const rows = rowBytes(identity.k)
  const durable = (file: IndexBuildFile, c: IndexBuildCheckpoint): number => {
    // The staged floats are dropped once quantised (phase 'leaves'): up to 512 MiB at 2^20, k = 128.
    if (file === 'features.f32') return c.phase === 'features' ? c.featuresDone * rows[file] : 0
    if (file === 'recordLeaves.bin') return c.featuresDone * rows[file]
    if (file === 'leaves.bin') return c.leavesDone * rows[file]
    return c.phase === 'features' ? 0 : identity.count * rows[file]
  }
  // Cut every file back to its durable length: a killed batch's partial rows are redone.
  for (const file of Object.keys(rows) as IndexBuildFile[]) {
    const path = join(dir, file)
    const want = durable(file, checkpoint)
    const have = existsSync(path) ? (await stat(path)).size : 0
    if (have < want) throw new IndexBuildCheckpointError({ file: path, reason: `holds ${have} bytes, its checkpoint says ${want} are durable` })
    if (!existsSync(path)) await (await open(path, 'w')).close()
    else if (have > want) await truncate(path, want)
  }
  const handles = new Map<IndexBuildFile, FileHandle>()
  const dirty = new Set<IndexBuildFile>()
  let current = checkpoint
  const handle = async (file: IndexBuildFile) => {
    let h = handles.get(file)
    if (!h) handles.set(file, (h = await open(join(dir, file), 'a')))
    return h
  }
  const close = async () => {
    for (const h of handles.values()) await h.close()
    handles.clear()
  }
  return {
    dir,
    get checkpoint() {
      return current
    },
    discarded,
    path: (file) => join(dir, file),
    async append(file, bytes) {
      await (await handle(file)).write(bytes)
      dirty.add(file)
    },
    async commit(next) {
      for (const file of dirty) await handles.get(file)!.sync()
      dirty.clear()
      current = { ...current, ...next }
      const tmp = `${checkpointFile}.tmp`
      const h = await open(tmp, 'w')
      try {
        await h.writeFile(`${JSON.stringify(current, null, 2)}\n`)
        await h.sync()
      } finally {
        await h.close()
      }
      await rename(tmp, checkpointFile)
    },
    async reset(file) {
      await handles.get(file)?.close()
      handles.delete(file)
      dirty.delete(file)
      await truncate(join(dir, file), 0)
    },
    close,
    async remove() {
      await close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
