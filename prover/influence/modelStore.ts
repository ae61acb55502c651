import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import { modelHash } from './onnxModel.ts'
import { checkModelContract, type ModelContract } from './modelContract.ts'
import { sameVectorizer, vectorizerSpec, type VectorizerConfig } from './vectorize.ts'
import { effectiveVectorizer } from './modelVectorizer.ts'
import type { ProjectionKind } from './projection.ts'
import type { HeldOutAccuracyReturnType } from './heldOutAccuracy.ts'
import type { VectorizerCandidate } from './chooseVectorizer.ts'

/**
 * A model on disk: `<home>/models/<name>/` holds `model.onnx` (the classifier; its sha256 is the
 * model hash), `features.onnx` (the classifier plus the committed gradient projection) and
 * `model.json` (this manifest). Loading re-hashes both ONNX files and refuses a mismatch.
 */
export type ModelManifest = {
  format: 'poa-model-v1'
  name: string
  /** 'adapter': a low-rank adapter over a shared base (prover/adapters); `adapter` says which. */
  source: 'trained' | 'registered' | 'adapter'
  modelSha256: string
  /**
   * The on-chain model hash, decimal: uint256(sha256(model.onnx)) >> 8, or for an adapter model
   * uint256(sha256("poa:adapter-model:v1" || base sha256 || adapter file)) >> 8 (binds base + adapter).
   */
  modelHash: string
  featuresSha256: string
  labels: string[]
  classes: number
  inputDim: number
  hiddenDim: number
  /** The input vectoriser (also in model.onnx's `poa.vectorizer` metadata, so the model hash binds it). */
  vectorizer: VectorizerConfig
  /** Its spec string (`hashing-v1`, `char:1-3@1024`...); absent in manifests written before n-gram vectorisers. */
  vectorizerSpec?: string
  /** 'adapter-pca(-head)': whitened PCA of the gradients w.r.t. A and B (and the head) of an adapter (prover/adapters/adapterProjection.ts). */
  projection: { kind: ProjectionKind | 'adapter-pca' | 'adapter-pca-head'; k: number; seed: number; damping: number }
  /**
   * `heldOut`: the cross-validated accuracy (heldOutAccuracy.ts), or why it was skipped; absent when
   * turned off (folds 0), for adapters, and in manifests written before it existed.
   * `vectorizerChoice`: with `--vectoriser auto`, each candidate's held-out accuracy (chooseVectorizer.ts).
   */
  training?: {
    records: number; l2: number; iterations: number; loss: number; trainAccuracy: number
    heldOut?: HeldOutAccuracyReturnType; vectorizerChoice?: VectorizerCandidate[]
  }
  /** An adapter model's base and adapter files (sha256 of each) and the adapter's rank. */
  adapter?: { base: string; baseSha256: string; adapterSha256: string; rank: number; adapterBytes: number }
}

export type LoadedModel = {
  dir: string
  manifest: ModelManifest
  modelBytes: Uint8Array
  featureBytes: Uint8Array
  contract: ModelContract
}

export class ModelNotFoundError extends PoaError {
  constructor({ dir }: { dir: string }) {
    super('MODEL_NOT_FOUND', 'BAD_INPUT', `no model at ${dir}: expected model.json, model.onnx and features.onnx (run "poa model train" or "register-local")`, { meta: { dir } })
  }
}

export class ModelIntegrityError extends PoaError {
  constructor({ file, expected, got, what = 'sha256' }: { file: string; expected: string; got: string; what?: string }) {
    super('MODEL_INTEGRITY', 'VERIFICATION_FAILED', `${file} has ${what} ${got}: expected ${expected}${what === 'sha256' ? ' from model.json' : ''}`, { meta: { file, expected, got, what } })
  }
}

export class ModelNameError extends PoaError {
  constructor({ name }: { name: string }) {
    super('MODEL_NAME', 'USAGE', `model name "${name}": expected 1-64 chars of [A-Za-z0-9._-]`, { meta: { name } })
  }
}

export function modelDir(home: string, name: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === '.' || name === '..') throw new ModelNameError({ name })
  return join(home, 'models', name)
}

export async function saveModel({ dir, manifest, modelBytes, featureBytes }: Omit<LoadedModel, 'contract'>): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'model.onnx'), modelBytes)
  await writeFile(join(dir, 'features.onnx'), featureBytes)
  await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  if (!existsSync(join(dir, 'model.json'))) throw new ModelNotFoundError({ dir })
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelManifest
  const modelBytes = new Uint8Array(await readFile(join(dir, 'model.onnx')))
  const featureBytes = new Uint8Array(await readFile(join(dir, 'features.onnx')))
  const m = modelHash(modelBytes).sha256
  if (m !== manifest.modelSha256) throw new ModelIntegrityError({ file: join(dir, 'model.onnx'), expected: manifest.modelSha256, got: m })
  const f = modelHash(featureBytes).sha256
  if (f !== manifest.featuresSha256) throw new ModelIntegrityError({ file: join(dir, 'features.onnx'), expected: manifest.featuresSha256, got: f })
  const contract = checkModelContract(modelBytes, join(dir, 'model.onnx'))
  // The manifest's vectoriser must be the one the hashed file commits (what an auditor recomputes with).
  const committed = effectiveVectorizer(contract, join(dir, 'model.onnx'))
  if (!sameVectorizer(committed, manifest.vectorizer)) {
    throw new ModelIntegrityError({ file: join(dir, 'model.json'), expected: `vectorizer ${vectorizerSpec(committed)} (model.onnx)`, got: vectorizerSpec(manifest.vectorizer), what: 'vectorizer' })
  }
  return { dir, manifest, modelBytes, featureBytes, contract }
}
