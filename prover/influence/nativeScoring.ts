import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildLayout, packagePath } from '../layout/index.ts'
import { compileNative } from '../nativeBuild/index.ts'
import { scoreReference } from './scoreReference.ts'
import { requireNativeScoring, type NativeScoringAddon } from './nativeScoringAddon.ts'
import type { ShardScores } from './scoreShard.ts'

const SOURCE_DIR = packagePath('native', 'scoring')
const SOURCES = ['scoring.c', 'score_kernel.h']

export type NativeScoring = { readonly binary: string; readonly isa: string; readonly addon: NativeScoringAddon }

export type NativeScoringStatus = { native: NativeScoring; reason?: undefined } | { native?: undefined; reason: string }

export type LoadNativeScoringParameters = {
  /** Default `<package>/build`; the addon goes to `<buildDir>/native`. */
  buildDir?: string
  /** The C compiler; default $CC, else `cc`. */
  cc?: string
}

/** One load per binary folder and compiler: the compile and self-check run once per process. */
const loading = new Map<string, Promise<NativeScoringStatus>>()

/**
 * Compile native/scoring/scoring.c into a Node-API addon (once, cached under `<buildDir>/native`
 * by a hash of the sources, the compiler and this CPU, since -march=native code may not run on
 * another), load it and check it against scoreReference. Resolves to `{ reason }` instead when there
 * is no compiler, no Node-API header or the check fails, so callers fall back to the JS kernel and
 * say why.
 */
export function loadNativeScoring({ buildDir, cc = process.env.CC ?? 'cc' }: LoadNativeScoringParameters = {}): Promise<NativeScoringStatus> {
  const binDir = buildLayout(buildDir).nativeDir
  const key = `${binDir}\0${cc}`
  let status = loading.get(key)
  if (!status) loading.set(key, (status = load(binDir, cc)))
  return status
}

/** Node-API headers: next to the running node (official tarballs), else the distribution's. */
function nodeApiInclude(): string | undefined {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')))
}

async function load(binDir: string, cc: string): Promise<NativeScoringStatus> {
  const source = join(SOURCE_DIR, 'scoring.c')
  if (!existsSync(source)) return { reason: `${source} is missing` }
  const include = nodeApiInclude()
  if (!include) return { reason: `no Node-API header (node_api.h) next to ${process.execPath} or in /usr/include/node` }
  const built = await compileNative({ name: 'scoring', sourceDir: SOURCE_DIR, sources: SOURCES, binDir, cc, flags: ['-O3', '-march=native', '-shared', '-fPIC', `-I${include}`], suffix: '.node' })
  if (built.binary === undefined) return { reason: built.reason }
  const { binary } = built
  let addon: NativeScoringAddon
  try {
    addon = requireNativeScoring(binary)
  } catch (error) {
    return { reason: `cannot load ${binary} (${(error as Error).message.split('\n')[0]})` }
  }
  const mismatch = selfCheck(addon)
  if (mismatch) return { reason: `${binary} disagrees with scoreReference: ${mismatch}` }
  return { native: Object.freeze({ binary, isa: addon.isa, addon }) }
}

/**
 * Trust the addon only after it reproduces scoreReference on every path of the kernel: k = 64
 * (512- or 256-bit SIMD, groups of 4 records and a tail), k = 160 and 144 (two segments, 512- and
 * 256-bit), k = 24 (scalar), the
 * extreme values -2^15 and ±(2^15 - 1), duplicated records (ties), a shard that does not start at
 * 0, a batch of queries and a topK larger than the shard. Returns what differs, or undefined.
 */
function selfCheck(addon: NativeScoringAddon): string | undefined {
  let seed = 20261130
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
  for (const [k, count, topK] of [[64, 39, 6], [160, 13, 4], [144, 14, 5], [24, 21, 40]] as const) {
    const features = new Int16Array(count * k)
    for (let i = 0; i < features.length; i++) features[i] = Math.round((next() * 2 - 1) * 32767)
    features.fill(32767, 0, k)
    features.fill(-32768, k, 2 * k)
    features.copyWithin(7 * k, 4 * k, 5 * k)
    features.copyWithin(9 * k, 4 * k, 5 * k)
    const queries = new Int32Array(3 * k)
    for (let t = 0; t < queries.length; t++) queries[t] = Math.round((next() * 2 - 1) * 32767)
    queries.fill(-32767, 0, k)
    queries.fill(32767, k, k + 5)
    const [start, end, stride] = [1, count - 2, 3]
    let got: ShardScores[]
    try {
      got = addon.scoreShard(features, k, start, end, queries, topK, stride)
    } catch (error) {
      return `k = ${k}: ${(error as Error).message}`
    }
    for (let j = 0; j < 3; j++) {
      const all = scoreReference({ features, k, query: Array.from(queries.subarray(j * k, (j + 1) * k), BigInt) }).slice(start, end)
      const order = all.map((score, i) => ({ position: i + start, score })).sort((a, b) => (a.score === b.score ? a.position - b.position : a.score > b.score ? -1 : 1))
      const top = order.slice(0, topK)
      const want = {
        count: end - start,
        positions: top.map((x) => x.position).join(),
        scores: top.map((x) => x.score).join(),
        sum: all.reduce((a, b) => a + b, 0n),
        positiveSum: all.reduce((a, b) => a + (b > 0n ? b : 0n), 0n),
        positive: all.filter((s) => s > 0n).length,
        min: Number(order[order.length - 1].score),
        max: Number(order[0].score),
        sample: all.filter((_, i) => (i + start) % stride === 0).join(),
      }
      const g = got[j]
      const have = {
        count: g.count, positions: Array.from(g.positions).join(), scores: Array.from(g.scores).join(), sum: g.sum, positiveSum: g.positiveSum,
        positive: g.positive, min: g.min, max: g.max, sample: Array.from(g.sample).join(),
      }
      for (const field of Object.keys(want) as (keyof typeof want)[]) {
        if (want[field] !== have[field]) return `k = ${k}, query ${j}, ${field}: expected ${want[field]}, got ${have[field]}`
      }
    }
  }
  return undefined
}
