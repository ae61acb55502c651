import { queryModel, type ProviderRequest } from '../influence/index.ts'
import type { DatanetRef } from '../datanet/index.ts'
import type { AppFolders } from './appOptions.ts'
import { openModelIndex } from './openModelIndex.ts'

/** Options of queryIndexedModel. */
export type QueryIndexedModelParameters = Pick<AppFolders, 'home'> & {
  model: string
  /** The datanet whose index fixes the feature scale. */
  datanet: DatanetRef
  version?: number
  text: string
  /** The class to attribute (a label or class index); default: the predicted class. */
  target?: number | string
  provider?: ProviderRequest
}

/** The model's prediction, the query features at the index's scale, and the query commitment. */
export async function queryIndexedModel(p: QueryIndexedModelParameters) {
  const { model, index } = await openModelIndex(p)
  const q = await queryModel({ model, text: p.text, target: p.target, featureFracBits: index.manifest.featureFracBits, provider: p.provider })
  return { ...q, featureFracBits: index.manifest.featureFracBits }
}

export type QueryIndexedModelReturnType = Awaited<ReturnType<typeof queryIndexedModel>>
