/**
 * Scoring throughput: records scored per second per query, with the piscina pool (1 and 2
 * workers) against a naive single-thread JS loop and the bigint reference, in the same run.
 * Run: `npx tsx bench/influenceThroughput.bench.ts`.
 * Index 1 is the default index: the full Spam Assassin corpus (6,046 records), k = 32, built by
 * buildModelIndex (vectoriser + onnxruntime features + Poseidon leaves). Index 2 tiles its
 * features to 1,000,000 records, where the per-query work dominates the pool's message overhead.
 */
import { availableParallelism, loadavg } from 'node:os'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { recordLeafOf } from '../prover/datanet/recordLeaf.ts'
import { buildMerkleTree } from '../prover/merkle/index.ts'
import { trainModel, buildModelIndex, createScoringPool, scoreReference, selectTopK, summarizeScores } from '../prover/influence/index.ts'
import { naiveScores } from './naiveScores.ts'

const K = 32
const TOP_K = 8
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))

async function timeIt(repeats: number, run: (r: number) => Promise<unknown> | unknown): Promise<number> {
  await run(0) // warm-up: JIT, worker start, SharedArrayBuffer copy
  const t = process.hrtime.bigint()
  for (let r = 1; r <= repeats; r++) await run(r)
  return Number(process.hrtime.bigint() - t) / 1e9 / repeats
}

async function main(): Promise<void> {
  // The load average matters: the project machines are shared, and a loaded machine hides any pool speed-up.
  console.log(`cores ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`)
  const mails = loadSpamAssassin()
  let t = Date.now()
  const model = await trainModel({ name: 'default', records: mails, projection: { kind: 'trak', k: K } })
  line({ case: 'train', records: mails.length, seconds: (Date.now() - t) / 1000, trainAccuracy: model.manifest.training!.trainAccuracy })
  const records = await Promise.all(mails.map(async (m) => ({ ...m, datanetLabel: m.label, leaf: await recordLeafOf(m) })))
  const tree = await buildMerkleTree({ leaves: records.map((r) => r.leaf), depth: 20 })
  t = Date.now()
  const { index, provider } = await buildModelIndex({ model, records, datanet: { id: 'spam-assassin', version: 1, root: tree.root }, provider: 'cpu' })
  line({ case: 'index', records: records.length, k: K, provider, seconds: (Date.now() - t) / 1000, recordsPerSecond: Math.round(records.length / ((Date.now() - t) / 1000)) })
  console.log(`params: k ${K}, top-K ${TOP_K}, provider ${provider}; queries are index rows`)

  const big = new Int16Array(1_000_000 * K)
  for (let off = 0; off < big.length; off += index.features.length) big.set(index.features.subarray(0, Math.min(index.features.length, big.length - off)), off)
  for (const [name, features, repeats] of [['default-6046', index.features, 200], ['tiled-1M', big, 10]] as const) {
    const count = features.length / K
    const queryOf = (r: number) => Int32Array.from(index.features.subarray((r % 6046) * K, (r % 6046 + 1) * K))
    const naive = await timeIt(repeats, (r) => { const s = naiveScores(features, K, queryOf(r)); return [selectTopK(s, TOP_K), summarizeScores(s)] })
    const base = count / naive
    line({ case: name, method: 'naive JS loop (main thread)', records: count, recordsPerSecond: Math.round(base), ratio: 1 })
    if (count <= 10_000) {
      const ref = await timeIt(20, (r) => scoreReference({ features, k: K, query: Array.from(queryOf(r), BigInt) }))
      line({ case: name, method: 'bigint reference', records: count, recordsPerSecond: Math.round(count / ref), ratio: +(naive / ref).toFixed(3) })
    }
    for (const workers of [1, 2]) {
      const pool = createScoringPool({ workers })
      try {
        const sec = await timeIt(repeats, (r) => pool.score({ features, k: K, query: Array.from(queryOf(r), BigInt), topK: TOP_K }))
        line({ case: name, method: `piscina pool (${workers} worker${workers > 1 ? 's' : ''})`, records: count, recordsPerSecond: Math.round(count / sec), msPerQuery: +(sec * 1000).toFixed(3), ratio: +(naive / sec).toFixed(3) })
      } finally {
        await pool.destroy()
      }
    }
  }
}

await main()
