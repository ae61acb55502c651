import { readFile } from 'node:fs/promises'
import { modelHash, META_LABELS, META_VECTORIZER } from './onnxModel.ts'
import { checkModelContract } from './modelContract.ts'
import { prepareAttribution } from './prepareAttribution.ts'
import { DEFAULT_VECTORIZER, checkVectorizerConfig, type VectorizerConfig } from './vectorize.ts'
import type { ProjectionKind } from './projection.ts'
import type { ModelManifest } from './modelStore.ts'
import type { TrainModelReturnType } from './trainModel.ts'
import { DEFAULT_K, DEFAULT_PROJECTION_SEED } from './trainModel.ts'

/**
 * Register an existing ONNX classifier (any file satisfying modelContract.ts). Its text
 * vectoriser comes from the file's `poa.vectorizer` metadata, else the default hashing
 * vectoriser with dim = the model's input width (for a backbone that takes some other input,
 * pass `vectorizer`). Class names come from `poa.labels` metadata, else "class0".."classC-1".
 * Only the random 'trak' projection is possible here: whitening needs training data.
 */
export type RegisterLocalModelParameters = {
  name: string
  file: string
  projection?: { kind?: Extract<ProjectionKind, 'trak'>; k?: number; seed?: number }
  vectorizer?: VectorizerConfig
}

export async function registerLocalModel(p: RegisterLocalModelParameters): Promise<TrainModelReturnType> {
  const modelBytes = new Uint8Array(await readFile(p.file))
  const contract = checkModelContract(modelBytes, p.file)
  const meta = contract.metadata
  const vectorizer = checkVectorizerConfig(
    p.vectorizer ?? (meta[META_VECTORIZER] ? JSON.parse(meta[META_VECTORIZER]) : { ...DEFAULT_VECTORIZER, dim: contract.inputDim }),
  )
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
    projection: { kind: 'trak', k, seed, damping: 0 },
  }
  return { manifest, modelBytes, featureBytes, contract }
}
