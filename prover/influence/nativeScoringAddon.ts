import { createRequire } from 'node:module'
import type { ShardScores } from './scoreShard.ts'

/*
 * The addon's type and its loading in a worker thread. Kept apart from nativeScoring.ts (compile and
 * self-check), whose reference imports reach the Poseidon packages: those must not load in a scoring
 * worker (their web-worker dependency mistakes any worker thread for one of its own).
 */
const require = createRequire(import.meta.url)

/** A features file mapped read-only by the addon (never exposed to JS as a writable buffer). */
export type FeatureMapping = { readonly handle: unknown; readonly byteLength: number }

/** The compiled native/scoring/scoring.c, as loaded in one thread. */
export type NativeScoringAddon = {
  scoreShard(features: Int16Array | FeatureMapping, k: number, start: number, end: number, queries: Int32Array, topK: number, sampleStride: number): ShardScores[]
  openFeatures(path: string): FeatureMapping
  /** The widest path it was compiled with: "avx512vnni", "avxvnni", "avx2" or "scalar". */
  readonly isa: string
}

/** Load an addon that loadNativeScoring built and checked (in a worker thread: one per thread). */
export function requireNativeScoring(binary: string): NativeScoringAddon {
  return require(binary) as NativeScoringAddon
}
