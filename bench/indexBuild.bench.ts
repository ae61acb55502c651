/**
 * Index build at scale: `streamModelIndex` (features with onnxruntime, staged to disk; leaves and
 * 4-ary tree hashed) over the synthetic Datanet of bench/syntheticDatanet.ts (Spam Assassin lines
 * recombined), with build time per phase and peak memory. At 2^16 records the native hasher and the
 * WebAssembly one run in the same run (the WebAssembly build is the baseline of `ratio`, and both
 * must give the same root); at 2^20 only native runs unless `--js-max 20`, and the WebAssembly time
 * is extrapolated linearly from 2^16 (hashing is linear in records; the line says so).
 * Each case runs in its own process (bench/indexBuildCase.ts) so its peak RSS is its own.
 * Run: `npx tsx bench/indexBuild.bench.ts [--sizes 16,20] [--k 128] [--threads N] [--js-max 16]`.
 */
import { execFile } from 'node:child_process'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { saveModel, trainModel } from '../prover/influence/index.ts'
import { syntheticPoolSize } from './syntheticDatanet.ts'

const run = promisify(execFile)
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const sizes = arg('sizes', '16,20').split(',').map(Number)
const k = Number(arg('k', '128'))
const threads = Number(arg('threads', String(availableParallelism())))
const jsMax = Number(arg('js-max', '16'))

console.log(`cores: ${cpus().length} (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`node: ${process.version}, execution provider: cpu (onnxruntime-node)`)
console.log(`parameters: sizes 2^${sizes.join(', 2^')}, k ${k}, native threads ${threads}, WebAssembly up to 2^${jsMax}, batch 8192 records, synthetic datanet from ${syntheticPoolSize()} Spam Assassin lines`)

const home = mkdtempSync(join(tmpdir(), 'poa-index-bench-'))
try {
  const mails = loadSpamAssassin({ limit: 2000, seed: 1 })
  const trained = await trainModel({ name: 'bench', records: mails, projection: { kind: 'trak', k, seed: 1 } })
  const modelPath = join(home, 'model')
  await saveModel({ ...trained, dir: modelPath })
  const jsSeconds = new Map<number, number>()
  for (const power of sizes) {
    const backends = power <= jsMax ? ['js', 'native'] : ['native']
    const roots = new Set<string>()
    for (const backend of backends) {
      const work = mkdtempSync(join(home, `case-${power}-${backend}-`))
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'indexBuildCase.ts'), modelPath, work, String(2 ** power), backend, String(backend === 'js' ? 1 : threads)], {
        maxBuffer: 1 << 20, env: process.env,
      }).catch((error) => {
        process.stderr.write(String(error.stderr ?? ''))
        throw error
      })
      rmSync(work, { recursive: true, force: true })
      const result = JSON.parse(stdout.trim().split('\n').pop()!)
      roots.add(result.root)
      if (backend === 'js') jsSeconds.set(power, result.buildS)
      const baseline = jsSeconds.get(power)
      const extrapolated = baseline === undefined && jsSeconds.size > 0 ? [...jsSeconds].map(([p, s]) => s * 2 ** (power - p))[0] : undefined
      console.log(JSON.stringify({
        case: `2^${power} ${backend}`, ...result,
        ...(baseline !== undefined ? { ratio: +(result.buildS / baseline).toFixed(3), baseline: `2^${power} js, this run` } : {}),
        ...(extrapolated !== undefined ? { jsExtrapolatedS: Math.round(extrapolated), ratio: +(result.buildS / extrapolated).toFixed(3), baseline: `2^${[...jsSeconds.keys()][0]} js x ${2 ** (power - [...jsSeconds.keys()][0])} (linear extrapolation)` } : {}),
      }))
    }
    if (roots.size > 1) throw new Error(`2^${power}: backends disagree on the index root (${[...roots].join(', ')})`)
  }
} finally {
  rmSync(home, { recursive: true, force: true })
}
