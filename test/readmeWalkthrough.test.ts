// The README's walk-throughs run as written (issue 14): a block drifts from the commands only if
// this test fails. `npx poa` is the package's own bin, run here as `node cli/bin.js` in a fresh home.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

/** The first ```sh block after the README heading `heading`. */
function shellBlock(heading: string): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf(`\n## ${heading}`)
  if (at < 0) throw new Error(`README has no section "${heading}"`)
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block) throw new Error(`README section "${heading}" has no sh block`)
  return block[1]
}

function runBlock(script: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'poa-readme-'))
  // `npx poa ...` -> this checkout's CLI, with the home in the temporary folder (like a user's ./.poa).
  const prelude = `set -euo pipefail\nnpx() { shift; node ${JSON.stringify(join(PACKAGE_ROOT, 'cli', 'bin.js'))} "$@"; }\n`
  const run = spawnSync('bash', ['-c', prelude + script], { cwd: dir, encoding: 'utf8', env: { ...process.env, POA_HOME: join(dir, '.poa') } })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('README walk-throughs', () => {
  it('"A Datanet from a JSONL file" runs as written', () => {
    const run = runBlock(shellBlock('A Datanet from a JSONL file, committed on the embedded chain'))
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/imported 2 records into "mail"/)
    expect(run.stdout).toMatch(/valid: record 1 of "mail" v1/)
  }, 600_000)
})
