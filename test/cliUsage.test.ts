import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { runPoa } from './runPoa.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-usage-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

const ID = `0x${'ab'.repeat(32)}`
const OWNER = '0x52908400098527886E0F7030069857D2E4169EE7'

/** One bad flag or argument per command group: each must be refused while parsing, with exit 2. */
const BAD_FLAGS: { group: string; args: string[]; option: string }[] = [
  { group: 'datanet', args: ['datanet', 'create', 'x', '--owner', OWNER, '--depth', 'two'], option: '--depth' },
  { group: 'datanet import', args: ['datanet', 'import', 'x', 'r.jsonl', '--max-record-bytes', '0'], option: '--max-record-bytes' },
  { group: 'chain start', args: ['chain', 'start', '--port', '65536'], option: '--port' },
  { group: 'datanet commit', args: ['datanet', 'commit', 'x', '--version', 'two'], option: '--version' },
  { group: 'chain', args: ['chain', 'status', '--rpc', 'notaurl'], option: '--rpc' },
  { group: 'chain mine', args: ['chain', 'mine', '0'], option: '<blocks>' },
  { group: 'model', args: ['model', 'attribute', '--model', 'm', '--datanet', 'd', '--text', 't', '--top-k', 'two'], option: '--top-k' },
  { group: 'model train', args: ['model', 'train', '--name', 'm', '--spam-assassin', '--l2', '-1'], option: '--l2' },
  { group: 'model train-base', args: ['model', 'train-base', '--name', 'b', '--spam-assassin', '--hidden', '0'], option: '--hidden' },
  { group: 'model train --base', args: ['model', 'train', '--name', 'm', '--base', 'b', '--datanet', 'd', '--rank', '65'], option: '--rank' },
  { group: 'prove', args: ['prove', '--input', 'x.json', '--inference-id', '0x12'], option: '--inference-id' },
  { group: 'settlement', args: ['settlement', 'deploy', '--rpc', 'ftp://x'], option: '--rpc' },
  { group: 'inference', args: ['inference', 'record', '--model', 'one', '--query-commitment', '1', '--fee', '1'], option: '--model' },
  { group: 'inference show', args: ['inference', 'show', '0x12'], option: '<inference-id>' },
  { group: 'settle', args: ['settle', 'pkg.json', '--prover', '0x12'], option: '--prover' },
  { group: 'rewards', args: ['rewards', 'withdraw', '--amount', '0'], option: '--amount' },
  { group: 'ceremony', args: ['ceremony', 'beacon', 'ab', '--name', 'x', '--iterations', '5'], option: '--iterations' },
  { group: 'demo', args: ['demo', '--records', 'many'], option: '--records' },
  { group: 'gov', args: ['gov', 'deploy', '--quorum', '101'], option: '--quorum' },
  { group: 'gov vote', args: ['gov', 'vote', '1', 'maybe'], option: '<support>' },
  { group: 'audit', args: ['audit', ID, '--datanet', 'd', '--model', 'm', '--from-block', '-3'], option: '--from-block' },
  { group: 'node', args: ['node', '--rpc', 'http://127.0.0.1:9', '--poll-ms', '10'], option: '--poll-ms' },
  { group: 'serve', args: ['serve', '--port', '65536'], option: '--port' },
]

describe('poa usage errors (spawned CLI)', () => {
  it.each(BAD_FLAGS)('refuses a bad $option under $group with exit 2 and a USAGE error naming it', ({ args, option }) => {
    const run = runPoa(home, '--json', ...args)
    expect(run.status).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'USAGE', meta: { option } } })
    expect(run.json.error.message).toContain(`${option}: expected`)
  })

  it("prints commander's own errors as one USAGE JSON line on stdout under --json", () => {
    const unknown = runPoa(home, '--json', 'datanet', 'list', '--bogus')
    expect(unknown.status).toBe(2)
    expect(unknown.stdout.trim().split('\n')).toHaveLength(1)
    expect(unknown.json).toEqual({ ok: false, error: { code: 'USAGE', message: "unknown option '--bogus'", meta: { reason: 'commander.unknownOption' } } })
    const missing = runPoa(home, '--json', 'datanet', 'create', 'x')
    expect(missing.status).toBe(2)
    expect(missing.json.error).toMatchObject({ code: 'USAGE', meta: { reason: 'commander.missingMandatoryOptionValue' } })
    expect(missing.json.error.message).toContain('--owner')
    const choice = runPoa(home, '--json', 'settlement', 'deploy', '--circuit', 'huge')
    expect(choice.json.error).toMatchObject({ code: 'USAGE', meta: { reason: 'commander.invalidArgument' } })
    const scoring = runPoa(home, '--json', 'model', 'attribute', '--model', 'm', '--datanet', 'd', '--text', 't', '--scoring', 'gpu')
    expect(scoring.status).toBe(2)
    expect(scoring.json.error).toMatchObject({ code: 'USAGE', meta: { reason: 'commander.invalidArgument' } })
    expect(scoring.json.error.message).toContain('--scoring')
    const command = runPoa(home, '--json', 'datanet', 'lst')
    expect(command.status).toBe(2)
    expect(command.json.error).toMatchObject({ code: 'USAGE', meta: { reason: 'commander.unknownCommand' } })
  })

  it('keeps commander errors as prose on stderr without --json', () => {
    const run = runPoa(home, 'datanet', 'list', '--bogus')
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain("error: unknown option '--bogus'")
  })

  it('prints its version with --version from any directory, exit 0', () => {
    const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--version'], { cwd: tmpdir(), encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version)
  })

  it('refuses exclusive flags given together with exit 2', () => {
    const both = runPoa(home, '--json', 'model', 'query', '--model', 'm', '--datanet', 'd', '--text', 't', '--file', 'f')
    expect(both.status).toBe(2)
    expect(both.json.error).toMatchObject({ code: 'USAGE', meta: { option: '--text/--file' } })
    const sources = runPoa(home, '--json', 'model', 'train-base', '--name', 'b', '--spam-assassin', '--afinn')
    expect(sources.status).toBe(2)
    expect(sources.json.error).toMatchObject({ code: 'USAGE', meta: { option: '--datanet/--spam-assassin/--afinn' } })
    // An adapter takes its base's vectoriser: asking for another one is refused before any work.
    const vectoriser = runPoa(home, '--json', 'model', 'train', '--name', 'm', '--base', 'b', '--datanet', 'd', '--vectoriser', 'char:1-3')
    expect(vectoriser.status).toBe(2)
    expect(vectoriser.json.error).toMatchObject({ code: 'USAGE', meta: { option: '--vectoriser' } })
  })
})

/** Packages that only the commands using them may load. */
const HEAVY = ['hardhat', 'snarkjs', 'onnxruntime-node', 'circom2', 'better-sqlite3', 'ethers', 'piscina', '@nomicfoundation', '@aztec', '@noir-lang', 'fastify', '@fastify']

let traces = 0
function importedPackages(args: string[]): string[] {
  const trace = join(home, `trace-${++traces}.txt`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(PACKAGE_ROOT, 'test/fixtures/traceImports.mjs'), 'cli/main.ts', ...args], {
    cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, POA_TRACE_IMPORTS: trace },
  })
  expect(run.status, run.stderr).toBe(0)
  const urls = readFileSync(trace, 'utf8').trim().split('\n')
  return [...new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter((p): p is string => p !== undefined))]
}

describe('poa start-up loads only commander and the command definitions', () => {
  it.each([['--help'], ['datanet', '--help'], ['model', 'attribute', '--help'], ['gov', '--help'], ['ceremony', '--help'], ['serve', '--help']])('poa %s loads none of the heavy packages', (...args) => {
    const packages = importedPackages(args)
    expect(packages).toContain('commander')
    expect(packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)))).toEqual([])
  })

  it('sees the heavy package a command does load (the trace works)', () => {
    expect(importedPackages(['--home', join(home, 'traced'), 'datanet', 'list'])).toContain('better-sqlite3')
  })
})
