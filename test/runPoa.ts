import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

export type PoaRun = { status: number | null; stdout: string; stderr: string; json: any }

/**
 * Run the real `poa` CLI on `home` through cli/bin.js: the compiled dist/ (fresh after the test run's
 * global setup), so a spawn does not pay tsx's transpiling. `json` is the last stdout line parsed, if
 * it is JSON.
 */
export function runPoa(home: string, ...args: string[]): PoaRun {
  const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--home', home, ...args], { cwd: PACKAGE_ROOT, encoding: 'utf8' })
  let json: any
  try {
    json = JSON.parse(run.stdout.trim().split('\n').pop() ?? '')
  } catch {
    json = undefined
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json }
}
