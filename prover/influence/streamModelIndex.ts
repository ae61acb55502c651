import { open, readFile } from 'node:fs/promises'
import { recordLeavesOf } from '../datanet/recordLeaf.ts'
import {
  checkDatanetRootBytes, hashStagedIndex, installAttributionIndex, openIndexBuildFolder,
  type DatanetRef, type IndexManifest, type IndexBuildFolder,
} from '../index/index.ts'
import { withOwnedLock } from '../lock/index.ts'
import { fieldsToBytes, type MerkleBackend } from '../merkle/index.ts'
import { PoaError } from '../errors/index.ts'
import { RecordLeafMismatchError, type IndexRecord } from './buildModelIndex.ts'
import { createSession, type ProviderName, type ProviderRequest } from './createSession.ts'
import type { LoadedModel } from './modelStore.ts'
import { chooseFracBits, FeatureScaleError, quantizeFeatures } from './quantize.ts'
import { recordFloatFeatures } from './recordFeatures.ts'

/**
 * Build a model's attribution index in bounded memory, resumably, straight into its folder `dir`.
 * Records are read a batch at a time (`records.read(start, end)`); each batch's leaves are checked
 * against contributor + content + label, its float features computed with onnxruntime and appended
 * to the build folder (prover/index/indexBuildFolder.ts), with an fsync'd checkpoint per batch.
 * Then the scale is chosen from the largest |feature| (as `recordFeatures` chooses it), the
 * features are quantised into `features.i16`, the leaves and trees hashed natively
 * (prover/index/hashStagedIndex.ts), and the index installed with indexStore's atomic two-rename
 * save. Killed or aborted, it resumes from its last checkpoint, and the index it installs is
 * byte-identical to `buildModelIndex` + `saveAttributionIndex` with the same model and records.
 */
export type IndexRecordSource = {
  count: number
  /** Records start..end-1 in datanet position order. */
  read(start: number, end: number): Promise<readonly IndexRecord[]> | readonly IndexRecord[]
}

export type StreamModelIndexParameters = {
  model: Pick<LoadedModel, 'manifest' | 'featureBytes' | 'contract'>
  records: IndexRecordSource | readonly IndexRecord[]
  datanet: DatanetRef
  /** The index folder (`homeLayout(home).indexDir(...)`); the build works in `<dir>.build`. */
  dir: string
  /** Depth of the datanet's tree (default 20). */
  treeDepth?: number
  recordName?: (i: number) => string
  provider?: ProviderRequest
  /** Records per checkpoint, a multiple of SESSION_BATCH (default 8,192). Part of the checkpoint's identity. */
  batchSize?: number
  /** Who hashes (default 'auto': native when it loads, else WebAssembly) and with how many pthreads. */
  backend?: MerkleBackend
  threads?: number
  onProgress?: (p: { done: number; total: number; unit: string }) => void
  signal?: AbortSignal
}

export type StreamModelIndexReturnType = {
  manifest: IndexManifest
  dir: string
  /** The execution provider that computed features in this run (absent when a resumed build had none left to compute). */
  provider?: ProviderName
  fallbackReason?: string
  /** Records whose features an earlier, interrupted run had already made durable. */
  resumedFrom: number
  /** Why a checkpoint found in the build folder was not resumed. */
  discarded?: string
}

/** Rows per onnxruntime call, as `computeFeatures` defaults: batches must split the same way for identical floats. */
export const SESSION_BATCH = 512

export class IndexBatchSizeError extends PoaError {
  constructor({ batchSize }: { batchSize: number }) {
    super('INDEX_BATCH_SIZE', 'USAGE', `index batch size ${batchSize}: expected a positive multiple of ${SESSION_BATCH}`, { meta: { batchSize, multipleOf: SESSION_BATCH } })
  }
}

export async function streamModelIndex(p: StreamModelIndexParameters): Promise<StreamModelIndexReturnType> {
  const batchSize = p.batchSize ?? 8192
  if (!Number.isInteger(batchSize) || batchSize < SESSION_BATCH || batchSize % SESSION_BATCH !== 0) throw new IndexBatchSizeError({ batchSize })
  const source: IndexRecordSource = 'read' in p.records ? p.records : { count: p.records.length, read: (s, e) => (p.records as readonly IndexRecord[]).slice(s, e) }
  const { manifest } = p.model
  const identity = {
    modelSha256: manifest.modelSha256, featuresSha256: manifest.featuresSha256,
    datanet: { id: p.datanet.id, version: p.datanet.version, root: p.datanet.root.toString() },
    count: source.count, k: manifest.projection.k, treeDepth: p.treeDepth ?? 20, batchSize,
  }
  return withOwnedLock(`${p.dir}.build.lock`, { purpose: `building the attribution index ${p.dir}` }, async () => {
    const folder = await openIndexBuildFolder(p.dir, identity)
    try {
      const resumedFrom = folder.checkpoint.featuresDone
      const computed = folder.checkpoint.phase === 'features' ? await stageFeatures(p, source, folder, batchSize) : {}
      if (folder.checkpoint.phase === 'features') {
        p.signal?.throwIfAborted()
        await checkDatanetRootBytes(await readFile(folder.path('recordLeaves.bin')), identity.treeDepth, p.datanet, { backend: p.backend, threads: p.threads })
        await quantizeStaged(folder, batchSize, p)
      }
      const built = await hashStagedIndex({
        folder, datanet: p.datanet, backend: p.backend, threads: p.threads, signal: p.signal, onProgress: p.onProgress,
        model: { name: manifest.name, modelSha256: manifest.modelSha256, modelHash: manifest.modelHash, featuresSha256: manifest.featuresSha256 },
      })
      await installAttributionIndex(p.dir, {
        manifest: built,
        files: { 'features.i16': folder.path('features.i16'), 'recordLeaves.bin': folder.path('recordLeaves.bin'), 'leaves.bin': folder.path('leaves.bin') },
      })
      await folder.remove()
      return { manifest: built, dir: p.dir, ...computed, resumedFrom, discarded: folder.discarded }
    } finally {
      await folder.close()
    }
  })
}

/** Features of the records not yet durable, a batch and a checkpoint at a time. */
async function stageFeatures(p: StreamModelIndexParameters, source: IndexRecordSource, folder: IndexBuildFolder, batchSize: number): Promise<{ provider?: ProviderName; fallbackReason?: string }> {
  const { count } = source
  if (folder.checkpoint.featuresDone >= count) return {}
  const recordName = p.recordName ?? ((i: number) => `record ${i}`)
  const opened = await createSession({ bytes: p.model.featureBytes, provider: p.provider })
  try {
    for (let start = folder.checkpoint.featuresDone; start < count; start = folder.checkpoint.featuresDone) {
      p.signal?.throwIfAborted()
      const end = Math.min(count, start + batchSize)
      const records = await source.read(start, end)
      if (records.length !== end - start) throw new RangeError(`record source returned ${records.length} records for positions ${start}..${end - 1}`)
      const leaves = await recordLeavesOf(records.map((r) => ({ contributor: r.contributor, content: r.content, label: r.datanetLabel })), { backend: p.backend, threads: p.threads })
      records.forEach((r, i) => {
        if (leaves[i] !== r.leaf) throw new RecordLeafMismatchError({ position: start + i, expected: leaves[i], got: r.leaf })
      })
      const floats = await recordFloatFeatures({ session: opened.session, model: p.model, records, recordName: (i) => recordName(start + i), batchSize: SESSION_BATCH, signal: p.signal })
      let maxAbs = folder.checkpoint.maxAbs
      for (let i = 0; i < floats.length; i++) {
        const a = Math.abs(floats[i])
        if (!Number.isFinite(a)) throw new FeatureScaleError({ maxAbs: a })
        if (a > maxAbs) maxAbs = a
      }
      await folder.append('features.f32', new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength))
      await folder.append('recordLeaves.bin', fieldsToBytes(leaves))
      await folder.commit({ featuresDone: end, maxAbs })
      p.onProgress?.({ done: end, total: count, unit: 'records' })
    }
  } finally {
    await opened.session.release()
  }
  return { provider: opened.provider, fallbackReason: opened.fallbackReason }
}

/** features.f32 -> features.i16 at the scale chosen from the largest |feature|, then phase 'leaves'. */
async function quantizeStaged(folder: IndexBuildFolder, batchSize: number, p: Pick<StreamModelIndexParameters, 'signal' | 'onProgress'>): Promise<void> {
  const { count, k } = folder.checkpoint.identity
  // The scale chooseFracBits picks for the whole matrix depends only on its largest |value|.
  const featureFracBits = chooseFracBits([folder.checkpoint.maxAbs])
  await folder.reset('features.i16')
  const staged = await open(folder.path('features.f32'), 'r')
  try {
    for (let start = 0; start < count; start += batchSize) {
      p.signal?.throwIfAborted()
      const end = Math.min(count, start + batchSize)
      const floats = new Float32Array((end - start) * k)
      await staged.read(new Uint8Array(floats.buffer), 0, floats.byteLength, start * k * 4)
      const { values } = quantizeFeatures(floats, featureFracBits, { clamp: false, where: `record features from position ${start}` })
      await folder.append('features.i16', new Uint8Array(values.buffer))
      p.onProgress?.({ done: end, total: count, unit: 'features quantised' })
    }
  } finally {
    await staged.close()
  }
  await folder.commit({ phase: 'leaves', featureFracBits })
  await folder.reset('features.f32')
}
