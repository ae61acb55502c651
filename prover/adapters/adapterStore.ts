import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { AdapterBaseMismatchError } from './adapterErrors.ts'
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

export type AdapterBinding = {
  base: BaseModel & { sha256: string; file: string }
  adapter: Adapter
  adapterFile: string
  adapterSha256: string
  /** adapterModelHash(base file, adapter file): what the registered model hash must be. */
  modelHash: bigint
  /** sha256 of model.onnx rebuilt from base + adapter: what model.onnx's must be. */
  rebuiltModelSha256: string
}

/**
 * Read the base and adapter files an adapter model names and check them against its manifest: the
 * base file's sha256 (ModelIntegrityError naming the base file), the adapter file's (naming the
 * adapter file), that the adapter was trained on this base (naming the base file: the adapter
 * records its base's hash), then recompute the model hash and model.onnx from the two files. The
 * caller compares those with what it trusts (the manifest, or the registered hash for an auditor).
 */
export async function readAdapterBinding(home: string, model: LoadedModel): Promise<AdapterBinding> {
  const ref = model.manifest.adapter
  if (!ref) throw new ModelIntegrityError({ file: join(model.dir, 'model.json'), expected: 'an adapter model (source "adapter")', got: `source "${model.manifest.source}"`, what: 'kind' })
  const base = await loadBase(home, ref.base)
  if (base.sha256 !== ref.baseSha256) throw new ModelIntegrityError({ file: base.file, expected: `${ref.baseSha256} (the base of model.json)`, got: base.sha256 })
  const adapterFile = join(model.dir, ADAPTER_FILE)
  if (!existsSync(adapterFile)) throw new ModelIntegrityError({ file: adapterFile, expected: ref.adapterSha256, got: 'no file', what: 'adapter file' })
  const bytes = new Uint8Array(await readFile(adapterFile))
  const adapterSha256 = sha256Hex(bytes)
  if (adapterSha256 !== ref.adapterSha256) throw new ModelIntegrityError({ file: adapterFile, expected: ref.adapterSha256, got: adapterSha256 })
  let adapter: Adapter
  try {
    adapter = decodeAdapter(bytes, adapterFile, base)
  } catch (error) {
    // The adapter file is the one the manifest names, so a base it was not trained on is the swapped file.
    if (error instanceof AdapterBaseMismatchError) throw new ModelIntegrityError({ file: base.file, expected: `${String(error.meta.got)} (the base ${adapterFile} was trained on)`, got: base.sha256 })
    throw error
  }
  const modelHash = adapterModelHash(base.sha256, bytes).field
  const rebuiltModelSha256 = sha256Hex(buildAdapterModelOnnx(base, adapter, { baseSha256: base.sha256, adapterSha256 }))
  return { base, adapter, adapterFile, adapterSha256, modelHash, rebuiltModelSha256 }
}

/**
 * Load an adapter model and check what loadModel cannot (readAdapterBinding): the base and adapter
 * files are the ones the manifest names, the adapter was trained on this base, the model hash is
 * adapterModelHash(base, adapter), and model.onnx is exactly base + adapter (rebuilt and compared).
 */
export async function loadAdapterModel(home: string, name: string): Promise<LoadedModel & { adapter: Adapter; base: BaseModel & { sha256: string } }> {
  const model = await loadModel(modelDir(home, name))
  const bound = await readAdapterBinding(home, model)
  const manifestFile = join(model.dir, 'model.json')
  if (bound.modelHash.toString() !== model.manifest.modelHash) throw new ModelIntegrityError({ file: manifestFile, expected: bound.modelHash.toString(), got: model.manifest.modelHash, what: 'modelHash' })
  if (bound.rebuiltModelSha256 !== model.manifest.modelSha256) {
    throw new ModelIntegrityError({ file: join(model.dir, 'model.onnx'), expected: `${bound.rebuiltModelSha256} (base + adapter)`, got: model.manifest.modelSha256 })
  }
  return { ...model, adapter: bound.adapter, base: bound.base }
}
