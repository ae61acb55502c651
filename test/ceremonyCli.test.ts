import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { Wallet } from 'ethers'

// `poa ceremony` as a participant runs it: a real process, exit statuses from the CLI's one table
// (0 ok, 2 usage, 3 bad input, 4 verification failed), JSON on stdout under --json.
const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'poa-ceremony-cli-'))
const key = Wallet.createRandom().privateKey

async function poa(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ['cli/bin.js', ...args], { env: { ...process.env, POA_CEREMONY_KEY: key }, maxBuffer: 16 << 20 })
  if (input !== undefined) {
    child.child.stdin!.write(input)
    child.child.stdin!.end()
  } else child.child.stdin!.end()
  try {
    const { stdout, stderr } = await child
    return { code: 0, stdout, stderr }
  } catch (error: any) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr }
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('poa ceremony', () => {
  it('runs init and contribute, and verify prints the contributor\'s own hash', async () => {
    expect((await poa(['ceremony', 'init', '8', '--dir', dir, '--name', 'coord'])).code).toBe(0)
    const contributed = await poa(['--json', 'ceremony', 'contribute', '--dir', dir, '--name', 'alice', '--entropy-stdin'], 'some words typed by alice\n')
    expect(contributed.code).toBe(0)
    const entry = JSON.parse(contributed.stdout).result
    expect(entry).toMatchObject({ phase: 1, index: 1, step: 'contribute', contributor: 'alice', address: new Wallet(key).address })
    // The typed text is entropy only: it appears nowhere in the folder.
    expect(readFileSync(join(dir, 'transcript.json'), 'utf8')).not.toContain('typed by alice')
    const verified = await poa(['ceremony', 'verify', '--dir', dir, '--full'])
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain(entry.contributionHash.slice(0, 8))
  })

  it('exits 4 with a JSON error when the transcript was forged', async () => {
    const transcript = JSON.parse(readFileSync(join(dir, 'transcript.json'), 'utf8'))
    transcript.entries[1].contributor = 'mallory'
    writeFileSync(join(dir, 'transcript.json'), JSON.stringify(transcript))
    const result = await poa(['--json', 'ceremony', 'verify', '--dir', dir])
    expect(result.code).toBe(4)
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'CEREMONY_ATTESTATION_INVALID', meta: { entry: 1 } } })
    const refused = await poa(['ceremony', 'contribute', '--dir', dir, '--name', 'bob'])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/attestation signature recovers 0x[0-9a-fA-F]{40}, expected the contributor/)
  })

  it('resumes a contribution SIGKILLed mid-step: no stale lock, no half file, the transcript unchanged, the rerun contributes', async () => {
    const killed = join(dir, 'killed')
    expect((await poa(['ceremony', 'init', '11', '--dir', killed, '--name', 'coord'])).code).toBe(0)
    const before = readFileSync(join(killed, 'transcript.json'), 'utf8')
    const child = spawn(process.execPath, ['cli/bin.js', 'ceremony', 'contribute', '--dir', killed, '--name', 'alice'], { env: { ...process.env, POA_CEREMONY_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      // Killed once the step has started writing its output (its progress is on stderr).
      if (/contribute: /.test(stderr)) child.kill('SIGKILL')
    })
    expect(await exited, stderr).toBe('SIGKILL')
    expect(readFileSync(join(killed, 'transcript.json'), 'utf8')).toBe(before)
    const resumed = await poa(['--json', 'ceremony', 'contribute', '--dir', killed, '--name', 'alice'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/resuming: the interrupted contribute/)
    expect(JSON.parse(resumed.stdout).result).toMatchObject({ phase: 1, index: 1, contributor: 'alice' })
    expect(readdirSync(killed).filter((f) => /tmp|\.lock/.test(f))).toEqual([])
    expect((await poa(['ceremony', 'verify', '--dir', killed])).code).toBe(0)
  })

  it('exits 3 on a bad key, 2 on a power that does not parse and on a step out of order', async () => {
    const badKey = await poa(['ceremony', 'init', '8', '--dir', join(dir, 'other'), '--name', 'x', '--key', '0x1234'])
    expect(badKey.code).toBe(3)
    expect(badKey.stderr).toMatch(/--key = "0x1234\.\.\.": expected a 32-byte hex private key/)
    expect((await poa(['ceremony', 'init', 'eight', '--dir', join(dir, 'other'), '--name', 'x'])).code).toBe(2)
    const early = await poa(['ceremony', 'finalize', '--circuit', 'mul', '--dir', join(dir, 'other'), '--name', 'x'])
    expect(early.code).toBe(2)
    expect(early.stderr).toMatch(/has no phase 2 yet/)
  })
})
