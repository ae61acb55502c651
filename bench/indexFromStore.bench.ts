/**
 * Peak memory of `poa model index` over a datanet in the store (issue 19 item 4): the synthetic
 * Datanet of bench/syntheticDatanet.ts imported into a datanet store (`--records`, default 2^16),
 * then indexed twice, each in its own process (bench/indexFromStoreCase.ts): `all`, every record
 * read from the store before the streaming build (as before, the baseline), and `batches`,
 * `indexModel` reading the store a checkpoint batch (8,192 records) at a time. Both must give the
 * same root. Prints the machine, the import time, one JSON line per case and the ratio of peaks.
 * Run: `npx tsx bench/indexFromStore.bench.ts [--records 65536] [--k 128]`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { openDatanetStore } from '../prover/datanet/index.ts'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { modelDir, saveModel, trainModel } from '../prover/influence/index.ts'
import { syntheticRecords } from './syntheticDatanet.ts'

const run = promisify(execFile)
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const count = Number(arg('records', String(2 ** 16)))
const k = Number(arg('k', '128'))
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
console.log(`cores ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ${load()}; ${count} records, k ${k}`)

const home = mkdtempSync(join(tmpdir(), 'poa-index-store-bench-'))
try {
  const started = performance.now()
  const store = openDatanetStore({ home })
  try {
    store.createDatanet({ name: 'synthetic', owner: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', depth: Math.max(2, Math.ceil(Math.log2(count))) })
    await store.importRecords('synthetic', { records: syntheticRecords(0, count), backend: 'native', workers: availableParallelism() })
  } finally {
    store.close()
  }
  console.log(`imported ${count} synthetic records into the store in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const trained = await trainModel({ name: 'bench', records: loadSpamAssassin({ limit: 2000, seed: 1 }), projection: { kind: 'trak', k, seed: 1 } })
  await saveModel({ ...trained, dir: modelDir(home, 'bench') })
  const results: Record<string, { nodePeakRssMiB: number; sampledPeakRssMiB: number; root: string }> = {}
  for (const mode of ['all', 'batches']) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'indexFromStoreCase.ts'), home, 'bench', 'synthetic', mode], { maxBuffer: 1 << 20 })
    const result = JSON.parse(stdout.trim().split('\n').pop()!)
    results[mode] = result
    console.log(JSON.stringify({ records: count, ...result, ...(mode === 'batches' ? { peakRatioToAll: +(result.nodePeakRssMiB / results.all.nodePeakRssMiB).toFixed(2) } : {}) }))
  }
  if (results.all.root !== results.batches.root) throw new Error(`the two builds disagree on the index root (${results.all.root}, ${results.batches.root})`)
  console.log(`same index root from both; load average now ${load()}`)
} finally {
  rmSync(home, { recursive: true, force: true })
}
