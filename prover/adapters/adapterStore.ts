import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { loadModel, modelDir, saveModel, ModelIntegrityError, type LoadedModel } from '../influence/index.ts'
import { adapterModelHash, decodeAdapter, sha256Hex, type Adapter } from './adapterFile.ts'
import { buildAdapterModelOnnx } from './adapterGraphs.ts'
import { decodeBaseModel, encodeBaseModel, type BaseModel } from './baseModel.ts'
import type { BuildAdapterModelReturnType } from './adapterModel.ts'

/**
 * Where bases and adapters live: `<home>/bases/<name>/base.poa` (the base file, saved once) and,
 * for an adapter model, `<home>/models/<name>/adapter.poa` beside the usual model.json,
 * model.onnx and features.onnx.
 */
export const BASE_FILE = 'base.poa'
export const ADAPTER_FILE = 'adapter.poa'

export class BaseNotFoundError extends PoaError {
  constructor({ file }: { file: string }) {
    super('BASE_NOT_FOUND', 'BAD_INPUT', `no base model at ${file} (train one with "poa model train-base")`, { meta: { file } })
  }
}

/** The base's folder; its name follows the model-name rule. */
export function baseDir(home: string, name: string): string {
  modelDir(home, name) // the same name rule, checked before any work
  return join(home, 'bases', name)
}

export async function saveBase(home: string, name: string, base: BaseModel): Promise<{ file: string; sha256: string; bytes: number }> {
  const dir = baseDir(home, name)
  await mkdir(dir, { recursive: true })
  const bytes = encodeBaseModel(base)
  const file = join(dir, BASE_FILE)
  await writeFile(file, bytes)
  return { file, sha256: sha256Hex(bytes), bytes: bytes.length }
}

export async function loadBase(home: string, name: string): Promise<BaseModel & { sha256: string; file: string; bytes: number }> {
  const file = join(baseDir(home, name), BASE_FILE)
  if (!existsSync(file)) throw new BaseNotFoundError({ file })
  const bytes = new Uint8Array(await readFile(file))
  return { ...decodeBaseModel(bytes, file), file, bytes: bytes.length }
}

export async function saveAdapterModel(dir: string, built: BuildAdapterModelReturnType): Promise<void> {
  await saveModel({ dir, manifest: built.manifest, modelBytes: built.modelBytes, featureBytes: built.featureBytes })
  await writeFile(join(dir, ADAPTER_FILE), built.adapterBytes)
}

/**
 * Load an adapter model and check what loadModel cannot: the adapter file is the one the manifest
 * names, it was trained on this base, the model hash is adapterModelHash(base, adapter), and
 * model.onnx is exactly base + adapter (rebuilt and compared byte for byte).
 */
export async function loadAdapterModel(home: string, name: string): Promise<LoadedModel & { adapter: Adapter; base: BaseModel & { sha256: string } }> {
  const model = await loadModel(modelDir(home, name))
  const ref = model.manifest.adapter
  const manifestFile = join(model.dir, 'model.json')
  if (!ref) throw new ModelIntegrityError({ file: manifestFile, expected: 'an adapter model (source "adapter")', got: `source "${model.manifest.source}"`, what: 'kind' })
  const base = await loadBase(home, ref.base)
  if (base.sha256 !== ref.baseSha256) throw new ModelIntegrityError({ file: base.file, expected: ref.baseSha256, got: base.sha256 })
  const file = join(model.dir, ADAPTER_FILE)
  const bytes = new Uint8Array(await readFile(file))
  const got = sha256Hex(bytes)
  if (got !== ref.adapterSha256) throw new ModelIntegrityError({ file, expected: ref.adapterSha256, got })
  const adapter = decodeAdapter(bytes, file, base)
  const hash = adapterModelHash(base.sha256, bytes).field.toString()
  if (hash !== model.manifest.modelHash) throw new ModelIntegrityError({ file: manifestFile, expected: hash, got: model.manifest.modelHash, what: 'modelHash' })
  const rebuilt = sha256Hex(buildAdapterModelOnnx(base, adapter, { baseSha256: base.sha256, adapterSha256: got }))
  if (rebuilt !== model.manifest.modelSha256) throw new ModelIntegrityError({ file: join(model.dir, 'model.onnx'), expected: `${rebuilt} (base + adapter)`, got: model.manifest.modelSha256 })
  return { ...model, adapter, base }
}
