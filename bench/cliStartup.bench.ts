/**
 * CLI start-up: wall time from spawn to exit of `poa --help`, `poa datanet status <x>` (on an empty
 * home: start-up, opening the store, "no such datanet") and `poa model attribute` (no options:
 * start-up until commander's usage error), beside `node -e 0` in the same run, each the median of N
 * runs, and the same `--help` through tsx (what every start cost before dist/). Issue 22's targets:
 * `--help` under 1 s and any command under 2 s on an idle 2-core machine.
 * Run: `npx tsx bench/cliStartup.bench.ts [--runs 9]` (npm run bench:startup). Builds dist/ first
 * when it is older than the sources, so the figures are the compiled CLI's.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build, distIsFresh, ROOT } from '../cli/build.js'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } })
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a positive integer`)

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

type Case = { name: string; args: string[]; status: number }

function timeRun({ name, args, status }: Case): number {
  const started = process.hrtime.bigint()
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (run.status !== status) throw new Error(`${name}: exit status ${run.status}, expected ${status}\n${run.stderr}`)
  return ms
}

function main(): void {
  console.log(`cores ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, runs ${runs}`)
  if (!distIsFresh()) {
    const started = Date.now()
    if (build({ quiet: true }) !== 0) throw new Error('npm run build failed')
    line({ case: 'build', seconds: (Date.now() - started) / 1000 })
  }
  const home = mkdtempSync(join(tmpdir(), 'poa-startup-'))
  const bin = join(ROOT, 'cli', 'bin.js')
  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'], status: 0 },
    { name: 'poa --help', args: [bin, '--help'], status: 0 },
    { name: 'poa datanet status x', args: [bin, '--home', home, 'datanet', 'status', 'x'], status: 3 },
    { name: 'poa model attribute', args: [bin, '--home', home, 'model', 'attribute'], status: 2 },
    { name: 'poa --help (tsx, sources)', args: ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), '--help'], status: 0 },
  ]
  // Interleaved rounds, so a burst of load from another process hits every case alike.
  const times = new Map(cases.map((c) => [c.name, [] as number[]]))
  for (const c of cases) timeRun(c) // warm-up: file cache
  for (let r = 0; r < runs; r++) for (const c of cases) times.get(c.name)!.push(timeRun(c))
  const baseline = median(times.get('node -e 0')!)
  for (const c of cases) {
    const ms = median(times.get(c.name)!)
    line({ case: c.name, medianMs: Math.round(ms), minMs: Math.round(Math.min(...times.get(c.name)!)), xNode: Number((ms / baseline).toFixed(1)) })
  }
}

main()
