import { readFile } from 'node:fs/promises'
import { modelHash, META_LABELS } from './onnxModel.ts'
import { checkModelContract } from './modelContract.ts'
import { prepareAttribution } from './prepareAttribution.ts'
import { vectorizerSpec, type VectorizerConfig } from './vectorize.ts'
import { bindVectorizer } from './modelVectorizer.ts'
import type { ProjectionKind } from './projection.ts'
import type { ModelManifest } from './modelStore.ts'
import type { TrainModelReturnType } from './trainModel.ts'
import { DEFAULT_K, DEFAULT_PROJECTION_SEED } from './trainModel.ts'

/**
 * Register an existing ONNX classifier (any file satisfying modelContract.ts). Its text
 * vectoriser comes from the file's `poa.vectorizer` metadata, else `vectorizer` (default: the
 * hashing-v1 vectoriser at the model's input width), which is then written into the stored
 * model.onnx's metadata so the model hash commits it (modelVectorizer.ts). Class names come from `poa.labels` metadata, else "class0".."classC-1".
 * Only the random 'trak' projection is possible here: whitening needs training data.
 */
export type RegisterLocalModelParameters = {
  name: string
  file: string
  projection?: { kind?: Extract<ProjectionKind, 'trak'>; k?: number; seed?: number }
  vectorizer?: VectorizerConfig
}

export async function registerLocalModel(p: RegisterLocalModelParameters): Promise<TrainModelReturnType> {
  const fileBytes = new Uint8Array(await readFile(p.file))
  const fileContract = checkModelContract(fileBytes, p.file)
  const { bytes: modelBytes, vectorizer } = bindVectorizer({ bytes: fileBytes, contract: fileContract, file: p.file, declared: p.vectorizer })
  const contract = modelBytes === fileBytes ? fileContract : checkModelContract(modelBytes, p.file)
  const meta = contract.metadata
  const labels: string[] = meta[META_LABELS] ? JSON.parse(meta[META_LABELS]) : Array.from({ length: contract.classes }, (_, c) => `class${c}`)
  const k = p.projection?.k ?? DEFAULT_K
  const seed = p.projection?.seed ?? DEFAULT_PROJECTION_SEED
  const { featureBytes } = await prepareAttribution({ modelBytes, source: p.file, kind: 'trak', k, seed, damping: 0 })
  const hash = modelHash(modelBytes)
  const manifest: ModelManifest = {
    format: 'poa-model-v1',
    name: p.name,
    source: 'registered',
    modelSha256: hash.sha256,
    modelHash: hash.field.toString(),
    featuresSha256: modelHash(featureBytes).sha256,
    labels,
    classes: contract.classes,
    inputDim: contract.inputDim,
    hiddenDim: contract.hiddenDim,
    vectorizer,
    vectorizerSpec: vectorizerSpec(vectorizer),
    projection: { kind: 'trak', k, seed, damping: 0 },
  }
  return { manifest, modelBytes, featureBytes, contract }
}
