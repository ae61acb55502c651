/**
 * One case of bench/indexBuild.bench.ts, in its own process so that its peak memory is its own:
 * `node --import tsx bench/indexBuildCase.ts <modelDir> <work dir> <records> <backend> <threads>`.
 * Untimed first: the synthetic Datanet's record leaves and root (what `poa datanet import` would
 * have stored). Timed: streamModelIndex over the records, generated a batch at a time. Prints one
 * JSON line: build seconds per phase, the RSS before the build, Node's peak RSS (getrusage) and the
 * peak RSS of Node plus its native hasher children, sampled every 50 ms from /proc.
 */
import { join } from 'node:path'
import { recordLeavesOf } from '../prover/datanet/recordLeaf.ts'
import { bytesToFields, fieldsToBytes, loadNativeHasher, type MerkleBackend } from '../prover/merkle/index.ts'
import { loadModel, streamModelIndex, type IndexRecord } from '../prover/influence/index.ts'
import { syntheticRecords } from './syntheticDatanet.ts'
import { childrenRss, rssOf } from './processMemory.ts'

const [modelPath, work, countArg, backendArg, threadsArg] = process.argv.slice(2)
const count = Number(countArg)
const backend = backendArg as MerkleBackend
const threads = Number(threadsArg)
const depth = Math.max(2, Math.ceil(Math.log2(count)))
const MiB = 1024 * 1024

const model = await loadModel(modelPath)
await loadNativeHasher() // compile + self-check outside the measurement
// The datanet as an import would have stored it: leaves (32 bytes a record) and root.
const leafBytes = Buffer.alloc(count * 32)
for (let start = 0; start < count; start += 65_536) {
  const end = Math.min(count, start + 65_536)
  leafBytes.set(fieldsToBytes(await recordLeavesOf(syntheticRecords(start, end), { threads })), start * 32)
}
const native = await loadNativeHasher()
const levels = await native.hasher!.treeLevelBytes(leafBytes, depth, 2, threads)
const root = bytesToFields(levels[depth - 1].subarray(0, 32))[0]
const datanet = { id: 'synthetic', version: 1, root }

// What the process holds before the build: Node, onnxruntime, the corpus behind the synthetic
// records and their 32-byte leaves (a datanet store's stand-in); the build's own memory is above it.
const rssBeforeBuild = rssOf(process.pid)
let peakTotal = 0
let peakHasher = 0
const sampler = setInterval(() => {
  const hasher = childrenRss()
  peakHasher = Math.max(peakHasher, hasher)
  peakTotal = Math.max(peakTotal, rssOf(process.pid) + hasher)
}, 50)
const source = {
  count,
  read(start: number, end: number): IndexRecord[] {
    const leaves = bytesToFields(leafBytes.subarray(start * 32, end * 32))
    return syntheticRecords(start, end).map((r, i) => ({ ...r, datanetLabel: r.label, leaf: leaves[i] }))
  },
}
const marks: Record<string, number> = {}
const started = performance.now()
let lastPrint = 0
const built = await streamModelIndex({
  model, records: source, datanet, dir: join(work, 'index'), treeDepth: depth, backend, threads,
  onProgress: ({ done, total, unit }) => {
    marks[unit] = performance.now()
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now()
      process.stderr.write(`  2^${Math.log2(count)} ${backend}: ${unit} ${done}/${total} at ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
    }
  },
})
const total = (performance.now() - started) / 1000
clearInterval(sampler)
const at = (unit: string) => ((marks[unit] ?? started) - started) / 1000
console.log(JSON.stringify({
  records: count, k: built.manifest.k, backend, threads, buildS: +total.toFixed(1),
  phasesS: {
    featuresAndRecordLeaves: +at('records').toFixed(1), quantise: +(at('features quantised') - at('records')).toFixed(1),
    indexLeaves: +(at('leaves') - at('features quantised')).toFixed(1), treesAndInstall: +(total - at('leaves')).toFixed(1),
  },
  rssBeforeBuildMiB: Math.round(rssBeforeBuild / MiB),
  nodePeakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / MiB),
  sampledPeakRssMiB: { nodePlusHasher: Math.round(peakTotal / MiB), hasher: Math.round(peakHasher / MiB) },
  root: built.manifest.root,
}))
