// The README's walk-throughs run as written (issue 14): a block drifts from the commands only if
// this test fails. `npx poa` is the package's own bin, run here as `node cli/bin.js` in a fresh
// folder. The shared-chain block is the five-role story (its own process, home and key per role).
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { loadSpamAssassin } from '../prover/dataset/index.ts'
import { devAccounts } from '../prover/chain/localNode.ts'
import { runPoa } from './runPoa.ts'

const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8')

/** The first ```sh block after `marker` (a heading or a line of text) in the README. */
function shellBlock(marker: string): string {
  const at = README.indexOf(marker)
  if (at < 0) throw new Error(`README has no "${marker}"`)
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at))
  if (!block) throw new Error(`README has no sh block after "${marker}"`)
  return block[1]
}

function runBlock(dir: string, script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  // `npx poa ...` -> this checkout's CLI, with the default home in the temporary folder (like a user's ./.poa).
  const prelude = `set -euo pipefail\nnpx() { shift; node ${JSON.stringify(join(PACKAGE_ROOT, 'cli', 'bin.js'))} "$@"; }\n`
  const run = spawnSync('bash', ['-c', prelude + script], { cwd: dir, encoding: 'utf8', env: { ...process.env, POA_HOME: join(dir, '.poa'), ...env } })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const sharedChainDir = mkdtempSync(join(tmpdir(), 'poa-readme-roles-'))
afterAll(() => {
  runPoa(join(sharedChainDir, 'chain'), 'chain', 'stop')
})

describe('README walk-throughs', () => {
  it('"A Datanet from a JSONL file" runs as written', () => {
    const run = runBlock(mkdtempSync(join(tmpdir(), 'poa-readme-')), shellBlock('\n## A Datanet from a JSONL file, committed on the embedded chain'))
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/imported 2 records into "mail"/)
    expect(run.stdout).toMatch(/valid: record 1 of "mail" v1/)
  }, 600_000)

  it('"A full governance proposal" runs as written and changes the fee shares', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-readme-gov-'))
    const run = runBlock(dir, `${shellBlock('A full governance proposal on the embedded chain')}\necho "proposal=$ID"`)
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/executed 1 call\(s\)/)
    const status = runPoa(join(dir, '.poa'), '--json', 'gov', 'status', /^proposal=(\d+)$/m.exec(run.stdout)![1])
    expect(status.json?.result?.state, status.stdout + status.stderr).toBe('Executed')
  }, 600_000)

  it('"Every role on one shared chain": owner, operator, model owner, host, prover, auditor and contributor, each its own process, home and key', () => {
    // Records someone else wrote (Spam Assassin mail); every other one credited to account 5, the rest to 6-9.
    const keys = devAccounts(10)
    const mails = loadSpamAssassin({ limit: 40 })
    writeFileSync(join(sharedChainDir, 'mail.jsonl'), mails.slice(0, 32).map((m, i) => JSON.stringify({ contributor: keys[i % 2 === 0 ? 5 : 6 + ((i >> 1) % 4)].address, content: m.content, label: m.label })).join('\n'))
    const used = new Set(mails.slice(0, 32).map((m) => m.content))
    const query = loadSpamAssassin({ limit: 200, seed: 7 }).find((m) => m.label === 'spam' && !used.has(m.content))!.content

    const block = shellBlock('\n## Every role on one shared chain')
    const run = runBlock(sharedChainDir, `${block}\necho "inference=$ID"`, { QUERY: query, POA_CHAIN_PORT: '0' })
    expect(run.status, run.stdout + run.stderr).toBe(0)
    const inferenceId = /^inference=(0x[0-9a-f]{64})$/m.exec(run.stdout)![1]
    expect(run.stdout).toContain(join('prover', 'proofs', `${inferenceId}.json`))

    // The chain node restarts from its journal with everything the roles did.
    const node = runPoa(join(sharedChainDir, 'chain'), '--json', 'chain', 'start', '--port', '0')
    expect(node.status, node.stdout + node.stderr).toBe(0)
    const rpc = ['--rpc', node.json.result.url]
    const shown = runPoa(sharedChainDir, '--json', 'inference', 'show', inferenceId, ...rpc)
    expect(shown.json?.result?.status, shown.stdout + shown.stderr).toBe('settled')
    const audit = runPoa(join(sharedChainDir, 'auditor'), '--json', 'audit', inferenceId, ...rpc, '--datanet', 'mail', '--model', 'clf', '--query-file', join(sharedChainDir, 'query.txt'))
    expect(audit.json?.result?.ok, audit.stdout + audit.stderr).toBe(true)
    // Account 5 was paid and withdrew all of it; the other contributors hold what the claim credited them.
    const withdrawn = Number(/withdrew ([\d.]+) OPEN/.exec(run.stdout)![1])
    expect(withdrawn).toBeGreaterThan(0)
    const held = keys.slice(5, 10).map((k) => runPoa(sharedChainDir, '--json', 'rewards', 'balance', '--address', k.address, ...rpc).json.result.balanceWei as string)
    expect(held[0]).toBe('0')
  }, 1_200_000)
})
