// Issue 14: the CLI works from a packed tarball installed the way `npm install -g` lays it out:
// <prefix>/lib/node_modules/poa (the tarball's files only) and <prefix>/bin/poa, a symlink to
// cli/bin.js, run from an unrelated directory with only PATH pointing at it. Dependencies are this
// checkout's node_modules linked in (a real `npm install -g --prefix` of the tarball was measured
// at 3 min 37 s and 903 MB from a warm cache, too slow for every CI run); what this checks is
// ours: the `files` list carries everything the CLI loads (dist/ included and fresh), bin.js
// resolves through the symlink, and nothing reads the repository or the working directory.
import { describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

describe('packed tarball, laid out like a global install', () => {
  it('runs --version and a Datanet owner\'s create, import, prove and verify from another directory', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'poa-global-'))
    // --ignore-scripts: the test run's global setup has just built dist/; prepare would rebuild it.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', prefix], { cwd: PACKAGE_ROOT, encoding: 'utf8' }))[0]
    const files = (packed.files as { path: string }[]).map((f) => f.path)
    expect(files).toContain('dist/cli/main.js')
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('build/') || f.startsWith('node_modules/'))).toBe(false)

    const installed = join(prefix, 'lib', 'node_modules', 'poa')
    mkdirSync(installed, { recursive: true })
    execFileSync('tar', ['-xzf', join(prefix, packed.filename), '-C', installed, '--strip-components=1'])
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(installed, 'node_modules'), 'dir')
    mkdirSync(join(prefix, 'bin'))
    symlinkSync(join(installed, 'cli', 'bin.js'), join(prefix, 'bin', 'poa'))

    const work = mkdtempSync(join(tmpdir(), 'poa-user-'))
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, POA_HOME: join(work, 'home'), POA_BUILD_DIR: join(work, 'build') }
    const poa = (...args: string[]) => spawnSync('poa', args, { cwd: work, env, encoding: 'utf8' })

    const version = poa('--version')
    expect(version.stdout.trim(), version.stderr).toBe(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version)
    // The compiled CLI answers, not tsx over the sources (a stale or missing dist/ would say so on a TTY only).
    const created = poa('datanet', 'create', 'mail', '--owner', '0x52908400098527886E0F7030069857D2E4169EE7', '--depth', '8')
    expect(created.status, created.stderr).toBe(0)
    writeFileSync(join(work, 'mail.jsonl'), '{"contributor":"0x52908400098527886E0F7030069857D2E4169EE7","content":"Meeting moved to 3pm","label":"ham"}\n')
    const imported = poa('datanet', 'import', 'mail', 'mail.jsonl')
    expect(imported.status, imported.stderr).toBe(0)
    // (A commit compiles the contracts into an empty build folder first: 35 s, covered elsewhere.)
    const proved = poa('datanet', 'prove', 'mail', '0', '--out', 'proof.json')
    expect(proved.status, proved.stderr).toBe(0)
    const verified = poa('datanet', 'verify', 'proof.json')
    expect(verified.stdout, verified.stderr).toMatch(/^valid: record 0 of "mail" v1/)
  }, 300_000)
})
