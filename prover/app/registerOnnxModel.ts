import { modelDir, registerLocalModel, saveModel, type ModelManifest, type VectorizerConfig } from '../influence/index.ts'
import type { AppFolders } from './appOptions.ts'

/** Options of registerOnnxModel. */
export type RegisterOnnxModelParameters = Pick<AppFolders, 'home'> & {
  name: string
  /** An ONNX classifier that satisfies the model contract (a Gemm head feeding Softmax). */
  file: string
  projection?: { k?: number; seed?: number }
  /** The vectoriser that turns text into the model's input (default: the file's metadata, else hashing-v1 at its input width); stored in model.onnx's metadata. */
  vectorizer?: VectorizerConfig
}

export type RegisterOnnxModelReturnType = {
  dir: string
  manifest: ModelManifest
  head: { classes: number; hiddenName: string; hiddenDim: number }
}

/** Check an ONNX classifier against the model contract and save it under `<home>/models/<name>/`. */
export async function registerOnnxModel(p: RegisterOnnxModelParameters): Promise<RegisterOnnxModelReturnType> {
  const dir = modelDir(p.home, p.name)
  const reg = await registerLocalModel({ name: p.name, file: p.file, projection: p.projection, vectorizer: p.vectorizer })
  await saveModel({ dir, ...reg })
  return { dir, manifest: reg.manifest, head: { classes: reg.contract.classes, hiddenName: reg.contract.hiddenName, hiddenDim: reg.contract.hiddenDim } }
}
