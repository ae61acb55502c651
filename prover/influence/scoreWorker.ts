import { requireNativeScoring, type FeatureMapping, type NativeScoringAddon } from './nativeScoringAddon.ts'
import { scoreShardJs, type ScoreShardParameters, type ShardScores } from './scoreShard.ts'

/**
 * Piscina worker: scores one shard [start, end) of an index against a batch of queries in one pass,
 * with the native addon when the pool loaded and checked one (`native`, its path), else with the
 * JavaScript kernel. Features come from a SharedArrayBuffer (read-only on both sides) or, for the
 * native kernel, from the index's features file mapped read-only in this thread.
 */
export type ScoreTaskFeatures =
  | { kind: 'shared'; buffer: SharedArrayBuffer; byteOffset: number; length: number }
  /** `key` changes when the file is replaced (inode, size, mtime), so a stale mapping is dropped. */
  | { kind: 'file'; path: string; key: string }

/** A shard's scoring parameters, with the features as the worker finds them and the addon to use. */
export type ScoreTask = Omit<ScoreShardParameters, 'features'> & { features: ScoreTaskFeatures; native?: string }

// State this thread built itself: the addon, and one mapping per features file.
const addons = new Map<string, NativeScoringAddon>()
const mappings = new Map<string, { key: string; mapping: FeatureMapping }>()

function addonAt(binary: string): NativeScoringAddon {
  let addon = addons.get(binary)
  if (!addon) addons.set(binary, (addon = requireNativeScoring(binary)))
  return addon
}

export default function scoreShardTask({ features, k, start, end, queries, topK, sampleStride, native }: ScoreTask): ShardScores[] {
  if (features.kind === 'file') {
    if (!native) throw new Error(`features file ${features.path}: only the native kernel maps files`)
    const addon = addonAt(native)
    let cached = mappings.get(features.path)
    if (cached?.key !== features.key) mappings.set(features.path, (cached = { key: features.key, mapping: addon.openFeatures(features.path) }))
    return addon.scoreShard(cached.mapping, k, start, end, queries, topK, sampleStride)
  }
  const view = new Int16Array(features.buffer, features.byteOffset, features.length)
  if (native) return addonAt(native).scoreShard(view, k, start, end, queries, topK, sampleStride)
  return scoreShardJs({ features: view, k, start, end, queries, topK, sampleStride })
}
