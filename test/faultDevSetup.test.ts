// A dev setup SIGKILLed in the middle of "prepare phase 2" (issue 21): the next run takes the dead
// holder's lock over at once, keeps the finished steps and redoes only the interrupted one.
import { afterAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { devCeremonyDir, devPtauPath, ensureDevPtau } from '../ceremony/devSetup.ts'
import { readTranscript } from '../ceremony/transcript.ts'
import { releaseCurve } from '../prover/proof/curve.ts'

mkdirSync(join(PACKAGE_ROOT, 'build'), { recursive: true })
const buildDir = mkdtempSync(join(PACKAGE_ROOT, 'build', 'fault-devsetup-'))
const POWER = 10
afterAll(async () => {
  await releaseCurve()
  rmSync(buildDir, { recursive: true, force: true })
})

const steps = () => {
  try {
    return readTranscript(devCeremonyDir(POWER, { buildDir })).entries.map((e) => e.step)
  } catch {
    return []
  }
}

describe('dev setup killed mid-step', () => {
  it('resumes after a SIGKILL during prepare: no stale lock, finished steps kept', async () => {
    const code = `
      const { ensureDevPtau } = await import(${JSON.stringify(new URL('../ceremony/devSetup.ts', import.meta.url).href)})
      await ensureDevPtau(${POWER}, (line) => process.stdout.write(line + '\\n'), { buildDir: ${JSON.stringify(buildDir)} })`
    // A script file, not -e: snarkjs's curve workers never start from tsx's eval context.
    const script = join(buildDir, 'child.mjs')
    writeFileSync(script, code)
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let exitCode: number | null | undefined
    child.once('exit', (c) => (exitCode = c))
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    // Kill it once the beacon is in the transcript: it is then preparing phase 2 (the longest step).
    const guardMs = 300_000
    const deadline = Date.now() + guardMs
    while (!steps().includes('beacon')) {
      if (exitCode !== undefined) throw new Error(`the child dev setup exited (status ${exitCode}) before reaching prepare`)
      if (Date.now() > deadline) throw new Error(`guard: the child did not reach prepare within ${guardMs / 1000} s (slow machine?)`)
      await new Promise((r) => setTimeout(r, 100))
    }
    await new Promise((r) => setTimeout(r, 300))
    child.kill('SIGKILL')
    await exited
    expect(steps()).toEqual(['init', 'contribute', 'beacon'])
    expect(existsSync(devPtauPath(POWER, { buildDir }))).toBe(false)
    // The killed holder's lock is still there: the next run must not wait for it.
    expect(readdirSync(join(buildDir, 'ptau')).some((f) => f.endsWith('.lock'))).toBe(true)

    const logs: string[] = []
    const started = Date.now()
    const path = await ensureDevPtau(POWER, (l) => logs.push(l), { buildDir })
    expect(Date.now() - started).toBeLessThan(guardMs)
    expect(logs[0]).toMatch(new RegExp(`resuming 2\\^${POWER} after init, contribute, beacon`))
    expect(steps()).toEqual(['init', 'contribute', 'beacon', 'prepare'])
    expect(readFileSync(path).length).toBeGreaterThan(0)
    expect(readdirSync(join(buildDir, 'ptau')).filter((f) => f.endsWith('.lock'))).toEqual([])
  }, 900_000)
})
