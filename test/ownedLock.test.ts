// Locks that know their owner (issue 21, item 4): a dead holder's lock is taken over at once, a
// live holder's lock is waited for with a notice naming the holder and its progress.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireOwnedLock, LockTimeoutError, processAlive, processStartOf, readLockOwner } from '../prover/lock/index.ts'

const fresh = () => mkdtempSync(join(tmpdir(), 'poa-lock-'))

/** A child process that takes the lock, reports progress, then waits to be killed. */
function holder(lock: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const code = `
    const { acquireOwnedLock } = await import(${JSON.stringify(new URL('../prover/lock/index.ts', import.meta.url).href)})
    const held = await acquireOwnedLock(${JSON.stringify(lock)}, { purpose: 'test holder' })
    held.report('step 2 of 5')
    process.stdout.write('held\\n')
    setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: () => new Promise((done) => {
          child.once('exit', () => done())
          child.kill('SIGKILL')
        }),
      }),
    )
  })
}

describe('owned locks', () => {
  it('records pid, start time and purpose, and releases', async () => {
    const lock = join(fresh(), 'a.lock')
    const held = await acquireOwnedLock(lock, { purpose: 'unit test' })
    const owner = readLockOwner(lock)
    expect(owner).toMatchObject({ pid: process.pid, purpose: 'unit test' })
    expect(owner!.processStart).toBe(processStartOf(process.pid))
    held.report('half way')
    expect(readFileSync(join(lock, 'progress'), 'utf8')).toBe('half way')
    held.release()
    expect(existsSync(lock)).toBe(false)
  })

  it('waits for a live holder naming it and its progress, then takes over at once when it is SIGKILLed', async () => {
    const lock = join(fresh(), 'b.lock')
    const child = await holder(lock)
    const notices: string[] = []
    const waiting = acquireOwnedLock(lock, { purpose: 'waiter', onWait: (n) => notices.push(n), noticeEveryMs: 300, pollMs: 50 })
    await new Promise((r) => setTimeout(r, 1_000))
    expect(notices.some((n) => n.includes(`held by process ${child.pid} (test holder`) && n.includes('its progress: step 2 of 5'))).toBe(true)
    const killedAt = Date.now()
    await child.kill()
    const held = await waiting
    // Taken over on the next poll, not after an age-based timeout.
    expect(Date.now() - killedAt).toBeLessThan(2_000)
    expect(notices.at(-1)).toMatch(new RegExp(`taking over .* left by dead process ${child.pid} \\(test holder\\)`))
    expect(readLockOwner(lock)?.pid).toBe(process.pid)
    held.release()
  }, 60_000)

  it('takes over a lock whose pid was recycled by another process (start time differs)', async () => {
    const lock = join(fresh(), 'c.lock')
    mkdirSync(lock)
    // Our own parent is alive, but it is not the process that wrote this start time.
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: process.ppid, processStart: '1', host: (await import('node:os')).hostname(), purpose: 'old run', since: 'then' }))
    expect(processAlive(process.ppid, '1')).toBe(processStartOf(process.ppid) === undefined)
    const held = await acquireOwnedLock(lock, { purpose: 'new', onWait: () => {} , timeoutMs: 5_000 })
    held.release()
  })

  it('takes over an older pid-only lock of a dead process and an owner-less lock after its grace period', async () => {
    const dir = fresh()
    const legacy = join(dir, 'd.lock')
    mkdirSync(legacy)
    writeFileSync(join(legacy, 'pid'), '999999999') // above pid_max: never a live process
    ;(await acquireOwnedLock(legacy, { purpose: 'x', onWait: () => {} })).release()
    const ownerless = join(dir, 'e.lock')
    mkdirSync(ownerless)
    const old = new Date(Date.now() - 60_000)
    utimesSync(ownerless, old, old)
    ;(await acquireOwnedLock(ownerless, { purpose: 'x', onWait: () => {}, timeoutMs: 5_000 })).release()
  })

  it('gives up after timeoutMs naming the live holder', async () => {
    const lock = join(fresh(), 'f.lock')
    const held = await acquireOwnedLock(lock, { purpose: 'long job' })
    // The holder is this very process: another acquire must wait, not take it over.
    const other = await acquireOwnedLock(lock, { purpose: 'y', timeoutMs: 300, onWait: () => {} }).catch((e: unknown) => e)
    expect(other).toBeInstanceOf(LockTimeoutError)
    expect((other as Error).message).toMatch(new RegExp(`is held by process ${process.pid} \\(long job, since .*\\); waited 0 s`))
    held.release()
  })
})
