/**
 * One case of bench/indexFromStore.bench.ts, in its own process so that its peak memory is its own:
 * `node --import tsx bench/indexFromStoreCase.ts <home> <model> <datanet> <mode>`, mode
 *   - `all`: every record of the version read from the store first (`store.getRecords`), then
 *     streamModelIndex over that array: what `poa model index` did before (the baseline);
 *   - `batches`: `indexModel`, which reads the store a checkpoint batch at a time (now).
 * Prints one JSON line: build seconds, RSS before the build, Node's peak RSS (getrusage) and the
 * sampled peak of Node plus its children (the native hasher), and the index root.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { indexModel } from '../prover/app/indexModel.ts'
import { withDatanetStore } from '../prover/app/withDatanetStore.ts'
import { loadModel, modelDir, streamModelIndex, type IndexRecord } from '../prover/influence/index.ts'
import { loadNativeHasher } from '../prover/merkle/index.ts'
import { childrenRss, rssOf } from './processMemory.ts'

const [home, modelName, datanetName, mode] = process.argv.slice(2)
const MiB = 1024 * 1024

await loadNativeHasher() // compile + self-check outside the measurement
const rssBeforeBuild = rssOf(process.pid)
let peakTotal = 0
const sampler = setInterval(() => {
  peakTotal = Math.max(peakTotal, rssOf(process.pid) + childrenRss())
}, 50)
const started = performance.now()
let root: string
if (mode === 'batches') {
  root = (await indexModel({ home, model: modelName, datanet: datanetName, provider: 'cpu' })).root
} else {
  // The code indexModel had before: every record mapped to an IndexRecord up front.
  const loaded = await loadModel(modelDir(home, modelName))
  const labels = loaded.manifest.labels
  root = await withDatanetStore(home, async (store) => {
    const info = store.getDatanet(datanetName)
    const v = store.getVersion(info.id)
    const records: IndexRecord[] = store.getRecords(info.id, v.version).map((r) => ({
      contributor: r.contributor, content: r.content, leaf: r.leaf, datanetLabel: r.label,
      label: r.label !== undefined && /^\d+$/.test(r.label) && !labels.includes(r.label) ? Number(r.label) : (r.label ?? ''),
    }))
    const built = await streamModelIndex({
      model: loaded, records, datanet: { id: String(info.id), version: v.version, root: v.root }, dir: join(home, 'index-all'), treeDepth: info.depth,
      provider: 'cpu', threads: availableParallelism(),
    })
    return built.manifest.root
  })
}
clearInterval(sampler)
console.log(JSON.stringify({
  mode, buildS: +((performance.now() - started) / 1000).toFixed(1), rssBeforeBuildMiB: Math.round(rssBeforeBuild / MiB),
  nodePeakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / MiB), sampledPeakRssMiB: Math.round(peakTotal / MiB), root,
}))
