import { spawnSync } from 'node:child_process'
import { expect } from 'vitest'
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

/** `poa --json <args>` on `home` that must exit 0 (the assertion shows its output): its `result`. */
export function poaResult(home: string, ...args: string[]): any {
  const run = runPoa(home, '--json', ...args)
  expect(run.status, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0)
  return run.json.result
}
