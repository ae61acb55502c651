import { modelDir, registerLocalModel, saveModel, type ModelManifest } from '../influence/index.ts'
import type { AppFolders } from './appOptions.ts'

/** Options of registerOnnxModel. */
export type RegisterOnnxModelParameters = Pick<AppFolders, 'home'> & {
  name: string
  /** An ONNX classifier that satisfies the model contract (a Gemm head feeding Softmax). */
  file: string
  projection?: { k?: number; seed?: number }
}

export type RegisterOnnxModelReturnType = {
  dir: string
  manifest: ModelManifest
  head: { classes: number; hiddenName: string; hiddenDim: number }
}

/** Check an ONNX classifier against the model contract and save it under `<home>/models/<name>/`. */
export async function registerOnnxModel(p: RegisterOnnxModelParameters): Promise<RegisterOnnxModelReturnType> {
  const dir = modelDir(p.home, p.name)
  const reg = await registerLocalModel({ name: p.name, file: p.file, projection: p.projection })
  await saveModel({ dir, ...reg })
  return { dir, manifest: reg.manifest, head: { classes: reg.contract.classes, hiddenName: reg.contract.hiddenName, hiddenDim: reg.contract.hiddenDim } }
}
