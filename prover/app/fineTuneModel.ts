import type { DatanetRef } from '../datanet/index.ts'
import type { ModelManifest, ProjectionKind, TrainingEpoch, VectorizerConfig } from '../influence/index.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noLog } from './appOptions.ts'
import { trainAdapterModel } from './adapterModels.ts'
import { indexModel } from './indexModel.ts'
import { trainLocalModel } from './trainLocalModel.ts'

/**
 * ModelFactory's fine-tuning: train a model on a Datanet version over the chosen base, then build
 * its attribution index over that version, ready to register. Two kinds of base: a vectoriser the
 * model puts a linear softmax head on (`head`), or an OpenLoRA base the model is a low-rank adapter
 * of (`lora`). Both report one figure per epoch (loss, accuracy) for the live chart.
 */
export type FineTuneBase =
  | { kind: 'head'; vectorizer: VectorizerConfig; l2?: number; projection?: ProjectionKind }
  | { kind: 'lora'; base: string; rank?: number; epochs?: number }

export type FineTuneModelParameters = Pick<AppFolders, 'home'> & Pick<AppReporting, 'log' | 'onProgress'> & {
  name: string
  datanet: DatanetRef
  version?: number
  base: FineTuneBase
  /** Attribution features per record: the proving circuit's k. */
  k: number
  onEpoch?: (e: TrainingEpoch) => void
  /** Each finished stage (trained, indexed) with its figures, for a job's timeline. */
  onStep?: (step: string, detail: Record<string, unknown>) => void
}

export type FineTuneModelReturnType = {
  name: string
  kind: FineTuneBase['kind']
  modelHash: string
  labels: string[]
  training: ModelManifest['training']
  /** An adapter model's rank and file sizes: what each fine-tuned model adds to the shared base. */
  adapter?: { base: string; rank: number; adapterBytes: number; baseBytes: number }
  index: { root: string; count: number; k: number; datanet: { id: string; version: number; root: string } }
}

export async function fineTuneModel(p: FineTuneModelParameters): Promise<FineTuneModelReturnType> {
  const step = p.onStep ?? noLog
  const source = { datanet: p.datanet, version: p.version }
  let manifest: ModelManifest
  let adapter: FineTuneModelReturnType['adapter']
  if (p.base.kind === 'head') {
    const trained = await trainLocalModel({
      home: p.home, name: p.name, vectorizer: p.base.vectorizer, l2: p.base.l2, source, projection: { kind: p.base.projection, k: p.k },
      onEpoch: p.onEpoch, onProgress: p.onProgress, log: p.log,
    })
    manifest = trained.manifest
  } else {
    const onEpoch = p.onEpoch
    const trained = await trainAdapterModel({
      home: p.home, name: p.name, base: p.base.base, source, rank: p.base.rank, epochs: p.base.epochs, k: p.k, log: p.log,
      onProgress: onEpoch && ((e) => onEpoch({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy })),
    })
    manifest = trained.manifest
    adapter = { base: p.base.base, rank: manifest.adapter!.rank, adapterBytes: trained.adapterBytes, baseBytes: trained.baseBytes }
  }
  step('trained', { kind: p.base.kind, epochs: manifest.training?.iterations, trainAccuracy: manifest.training?.trainAccuracy, modelHash: manifest.modelHash, ...adapter })
  const index = await indexModel({ home: p.home, model: p.name, datanet: p.datanet, version: p.version, onProgress: p.onProgress })
  step('indexed', { records: index.count, indexRoot: index.root, k: index.k })
  return {
    name: p.name, kind: p.base.kind, modelHash: manifest.modelHash, labels: manifest.labels, training: manifest.training, adapter,
    index: { root: index.root, count: index.count, k: index.k, datanet: index.datanet },
  }
}
