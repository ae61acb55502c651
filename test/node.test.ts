import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Wallet, type EventLog } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rewardBalance, settlementAt } from '../prover/clients/settlementClient.ts'
import { ChainRequestError } from '../prover/chain/chainErrors.ts'
import { JobStateError, openJobQueue } from '../prover/node/jobQueue.ts'
import { withRetry } from '../prover/node/retryRpc.ts'
import { NO_QUERY_TEXT, saveQueryText } from '../prover/node/queryStore.ts'
import { startQueryServer } from '../prover/node/queryShare.ts'
import { createWorld, KEYS, recordQuery, type World } from './auditFixture.ts'

const dir = mkdtempSync(join(tmpdir(), 'poa-node-'))
let world: World
let seed: string
let homes = 0

beforeAll(async () => {
  world = await createWorld({ home: join(dir, 'world') })
  seed = join(dir, 'seed')
  // A node home: the datanet store, the model with its index, the chain's deployment file.
  cpSync(world.home, seed, { recursive: true })
}, 600_000)

afterAll(async () => {
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

function nodeHome(): string {
  const home = join(dir, `node-${++homes}`)
  cpSync(seed, home, { recursive: true })
  return home
}

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function poaNode(home: string, key: string, args: string[], env: Record<string, string> = {}, onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      'cli/bin.js', '--json', '--home', home, 'node', '--rpc', world.url, '--private-key', key, '--model', 'spam-linear',
      '--datanet', String(world.datanetId), '--until-idle', '--poll-ms', '200', ...args,
    ], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      onStderr?.(String(d))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

async function settledEvents(inferenceId: string): Promise<EventLog[]> {
  const contract = await settlementAt(world.settlement, world.chain.provider)
  return (await contract.queryFilter(contract.filters.AttributionSettled(inferenceId))) as EventLog[]
}

function jobsOf(home: string): { inference_id: string; state: string }[] {
  const db = new Database(join(home, 'node.sqlite'), { readonly: true })
  try {
    return db.prepare('SELECT inference_id, state FROM jobs ORDER BY recorded_block').all() as { inference_id: string; state: string }[]
  } finally {
    db.close()
  }
}

function submissionsOf(home: string, inferenceId: string): number {
  const db = new Database(join(home, 'node.sqlite'), { readonly: true })
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM transitions WHERE inference_id = ? AND to_state = 'submitted'").get(inferenceId.toLowerCase()) as { n: number }).n
  } finally {
    db.close()
  }
}

describe('poa node', () => {
  it('settles a recorded inference once and serves its counters on 127.0.0.1', async () => {
    const home = nodeHome()
    const a = await recordQuery(world, world.queries[0], { homes: [home] })
    let metricsUrl: string | undefined
    const seen: any[] = []
    const run = await poaNode(home, KEYS[3], ['--metrics-port', '0', '--from-block', String(a.blockNumber)], {}, (text) => {
      const m = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(text)
      if (m && !metricsUrl) {
        metricsUrl = m[1]
        void fetch(metricsUrl).then((r) => r.json()).then((j) => seen.push(j), () => {})
      }
    })
    expect(run.code).toBe(0)
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect(seen[0]).toMatchObject({ jobs: expect.any(Object), done: expect.any(Number), failed: expect.any(Number), proofSeconds: expect.any(Object) })
    const summary = JSON.parse(run.stdout).result
    expect(summary).toMatchObject({ done: 1, failed: 0, dropped: 0, jobs: { settled: 1, pending: 0 } })
    expect(summary.proofSeconds.count).toBe(1)
    // No challenge window in this world: the node claims at once, crediting the payouts and its own fee.
    expect(summary.claimed).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`${a.inferenceId} claimed: its payouts, the prover fee and the bond credited \\(tx 0x[0-9a-f]{64}\\)`))
    expect(await rewardBalance({ settlement: world.settlement, runner: world.chain.provider, account: new Wallet(KEYS[3]).address })).toBeGreaterThan(0n)
    expect(summary.proofSeconds.mean).toBeGreaterThan(0)
    expect(run.stderr).toMatch(/poa node: block \d+ \| open pending 0 scoring 0 proving 0 submitted 0 \| settled 1/)
    const events = await settledEvents(a.inferenceId)
    expect(events.length).toBe(1)
    expect(events[0].args.prover).toBe(new Wallet(KEYS[3]).address)
  })

  it('waits for a query text saved after the inference was recorded, then settles it', async () => {
    const home = nodeHome()
    const a = await recordQuery(world, world.queries[5], { homes: [] })
    let saved = false
    const run = await poaNode(home, KEYS[3], ['--from-block', String(a.blockNumber), '--no-claim'], {}, (text) => {
      if (!saved && /no query text in .*; waiting/.test(text)) {
        saved = true
        void saveQueryText({ home, inferenceId: a.inferenceId, text: world.queries[5] })
      }
    })
    expect(saved).toBe(true)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).result).toMatchObject({ done: 1, failed: 0, claimed: 0 }) // --no-claim
    expect((await settledEvents(a.inferenceId)).length).toBe(1)
  })

  it('settles the jobs behind one whose query text is missing, fails that one, and retries it once the text is saved', async () => {
    const home = nodeHome()
    const late = await recordQuery(world, world.queries[7], { homes: [] })
    const ready = await recordQuery(world, world.queries[0], { homes: [home] })
    const first = await poaNode(home, KEYS[3], ['--from-block', String(late.blockNumber), '--poll-ms', '50'])
    expect(first.code).toBe(0)
    // The job without text never held up the later one: it settled while the first waited.
    expect(JSON.parse(first.stdout).result).toMatchObject({ done: 1, failed: 1 })
    expect((await settledEvents(ready.inferenceId)).length).toBe(1)
    expect(first.stderr).toMatch(new RegExp(`${late.inferenceId} failed: no query text in`))
    expect(first.stderr.indexOf(`${ready.inferenceId} settled`)).toBeGreaterThan(-1)
    expect(first.stderr.indexOf(`${ready.inferenceId} settled`)).toBeLessThan(first.stderr.indexOf(`${late.inferenceId} failed`))
    await saveQueryText({ home, inferenceId: late.inferenceId, text: world.queries[7] })
    const second = await poaNode(home, KEYS[3], [])
    expect(second.code).toBe(0)
    expect(second.stderr).toMatch(new RegExp(`${late.inferenceId}: its query text was saved; back to pending`))
    expect(JSON.parse(second.stdout).result).toMatchObject({ done: 2, failed: 0 })
    expect((await settledEvents(late.inferenceId)).length).toBe(1)
  })

  it("fetches a missing query text from the host's query server, and settles with it", async () => {
    const home = nodeHome()
    const hostHome = join(dir, 'host-queries')
    const a = await recordQuery(world, world.queries[6], { homes: [hostHome] })
    const server = await startQueryServer({ home: hostHome, port: 0 })
    try {
      // The server: exact text, 404 for an unknown id, 400 for a malformed one.
      expect(await (await fetch(`${server.url}/queries/${a.inferenceId}`)).text()).toBe(world.queries[6])
      expect((await fetch(`${server.url}/queries/0x${'00'.repeat(32)}`)).status).toBe(404)
      expect((await fetch(`${server.url}/queries/nope`)).status).toBe(400)
      const bad = await poaNode(home, KEYS[3], ['--query-source', 'ftp://host'])
      expect(bad.code).toBe(2)
      expect(JSON.parse(bad.stdout).error.message).toMatch(/--query-source "ftp:\/\/host": expected an http:\/\/ or https:\/\/ URL/)
      const run = await poaNode(home, KEYS[3], ['--from-block', String(a.blockNumber), '--query-source', 'http://127.0.0.1:9/', server.url])
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).result).toMatchObject({ done: 1, failed: 0 })
      expect((await settledEvents(a.inferenceId)).length).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('rides out an RPC outage with retries and backoff, then settles', async () => {
    const home = nodeHome()
    const a = await recordQuery(world, world.queries[6], { homes: [home] })
    // A real HTTP hop between node and chain that answers 503 while `down`.
    let down = false
    let refused = 0
    const proxy = createServer(async (req, res) => {
      const body = await new Promise<string>((resolve) => {
        let text = ''
        req.on('data', (d) => (text += d))
        req.on('end', () => resolve(text))
      })
      if (down) {
        refused++
        res.writeHead(503).end('chain unavailable')
        return
      }
      const upstream = await fetch(world.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()))
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
    try {
      let cut = false
      const run = await poaNode(home, KEYS[3], ['--from-block', String(a.blockNumber), '--rpc', url, '--metrics-port', '0'], {}, (text) => {
        // Cut the chain off as the node's loop starts; restore it after a few retries.
        if (!cut && /metrics: http/.test(text)) {
          cut = true
          down = true
          setTimeout(() => (down = false), 1500)
        }
      })
      expect(cut).toBe(true)
      expect(refused).toBeGreaterThan(0)
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(/RPC failed .*; retry 1 in 250 ms/)
      const summary = JSON.parse(run.stdout).result
      expect(summary).toMatchObject({ done: 1, failed: 0 })
      expect(summary.rpcRetries).toBeGreaterThan(0)
      expect((await settledEvents(a.inferenceId)).length).toBe(1)
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  })

  for (const point of ['scoring', 'proving', 'submitted'] as const) {
    it(`finishes every job exactly once after a SIGKILL during ${point}`, async () => {
      const home = nodeHome()
      const node = new Wallet(KEYS[3]).address
      const first = await recordQuery(world, world.queries[1], { homes: [home] })
      const second = await recordQuery(world, world.queries[2], { homes: [home] })
      const ids = [first.inferenceId, second.inferenceId]
      const nonceBefore = await world.chain.provider.getTransactionCount(node)

      // --no-claim: the transactions counted below are the settlements only.
      const crashed = await poaNode(home, KEYS[3], ['--from-block', String(first.blockNumber), '--no-claim'], { POA_NODE_TEST_HOOKS: '1', POA_NODE_CRASH_AT: point })
      expect(crashed.signal).toBe('SIGKILL')
      expect(jobsOf(home).map((j) => j.state)).toEqual([point, 'pending'])
      const before = await settledEvents(first.inferenceId)
      // Killed after broadcasting: the chain already has the settlement; before that, nothing.
      expect(before.length).toBe(point === 'submitted' ? 1 : 0)

      const restarted = await poaNode(home, KEYS[3], ['--no-claim'])
      expect(restarted.code).toBe(0)
      expect(JSON.parse(restarted.stdout).result).toMatchObject({ done: 2, failed: 0, dropped: 0 })
      expect(jobsOf(home).map((j) => j.state)).toEqual(['settled', 'settled'])
      for (const id of ids) {
        expect((await settledEvents(id)).length).toBe(1)
        expect(submissionsOf(home, id)).toBe(1)
      }
      // No double submission reached the chain: the node sent exactly one transaction per job.
      expect((await world.chain.provider.getTransactionCount(node)) - nonceBefore).toBe(2)
      if (point !== 'submitted') expect(restarted.stderr).toMatch(/1 interrupted job\(s\) back to pending/)
    })
  }

  it('two nodes on one chain settle each inference once; the other drops it', async () => {
    const [homeA, homeB] = [nodeHome(), nodeHome()]
    const first = await recordQuery(world, world.queries[3], { homes: [homeA, homeB] })
    const second = await recordQuery(world, world.queries[4], { homes: [homeA, homeB] })
    const from = ['--from-block', String(first.blockNumber)]
    const [runA, runB] = await Promise.all([poaNode(homeA, KEYS[3], from), poaNode(homeB, KEYS[4], from)])
    expect([runA.code, runB.code]).toEqual([0, 0])
    for (const { inferenceId } of [first, second]) {
      expect((await settledEvents(inferenceId)).length).toBe(1)
      const states = [homeA, homeB].map((h) => jobsOf(h).find((j) => j.inference_id === inferenceId.toLowerCase())!.state).sort()
      expect(states).toEqual(['dropped', 'settled'])
    }
    // Both inferences wait for the same model when each node starts: their queries are scored in one pass.
    for (const run of [runA, runB]) expect(run.stderr).toMatch(/node: scored 2 pending queries in 1 batch pass/)
    const summaries = [runA, runB].map((r) => JSON.parse(r.stdout).result)
    expect(summaries[0].done + summaries[1].done).toBe(2)
    expect(summaries[0].failed + summaries[1].failed).toBe(0)
  })

  it('refuses to run without a JSON-RPC chain (usage, 2) and names a missing model (bad input, 3)', async () => {
    const home = nodeHome()
    const cli = (args: string[]) => new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, ['cli/bin.js', '--json', '--home', home, 'node', ...args])
      let stdout = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr: '' }))
    })
    const noRpc = await cli(['--model', 'spam-linear', '--datanet', '1'])
    expect(noRpc.code).toBe(2)
    expect(JSON.parse(noRpc.stdout).error).toMatchObject({ code: 'NODE_CONFIG', meta: { option: '--rpc' } })
    const noModel = await cli(['--rpc', world.url, '--private-key', KEYS[3], '--model', 'no-such-model', '--datanet', '1'])
    expect(noModel.code).toBe(3)
    expect(JSON.parse(noModel.stdout).error.code).toBe('MODEL_NOT_FOUND')
    expect(JSON.parse(noModel.stdout).error.message).toMatch(/no-such-model/)
  })
})

describe('node job queue', () => {
  it('adds an inference once and refuses a transition the state machine does not allow', () => {
    const home = join(dir, 'queue')
    const queue = openJobQueue({ home })
    try {
      const id = `0x${'ab'.repeat(32)}`
      expect(queue.enqueue({ inferenceId: id, modelId: 1n, recordedBlock: 5 })).toBe(true)
      expect(queue.enqueue({ inferenceId: id, modelId: 1n, recordedBlock: 5 })).toBe(false)
      expect(() => queue.move(id, 'settled')).toThrow(JobStateError)
      queue.move(id, 'scoring')
      queue.move(id, 'proving')
      expect(queue.recoverInterrupted()).toBe(1)
      expect(queue.get(id)!.state).toBe('pending')
      queue.move(id, 'dropped', { reason: 'settled by someone else' })
      expect(() => queue.move(id, 'pending')).toThrow(/cannot go from dropped to pending \(allowed: none, final\)/)
      expect(queue.history(id).map((h) => h.to)).toEqual(['pending', 'scoring', 'proving', 'pending', 'dropped'])
    } finally {
      queue.close()
    }
  })

  it('hands out the jobs a round has not tried yet, and retries only a job failed for want of its query text', () => {
    const queue = openJobQueue({ home: join(dir, 'queue-skip') })
    try {
      const [a, b] = [`0x${'0a'.repeat(32)}`, `0x${'0b'.repeat(32)}`]
      queue.enqueue({ inferenceId: a, modelId: 1n, recordedBlock: 5 })
      queue.enqueue({ inferenceId: b, modelId: 1n, recordedBlock: 6 })
      expect(queue.next()!.inferenceId).toBe(a)
      expect(queue.next(new Set([a]))!.inferenceId).toBe(b)
      expect(queue.next(new Set([a, b]))).toBeUndefined()
      queue.move(a, 'failed', { reason: `${NO_QUERY_TEXT} in /home/queries/` })
      queue.move(b, 'failed', { reason: 'the stored query text commits to 5' })
      expect(queue.failedFor(NO_QUERY_TEXT).map((j) => j.inferenceId)).toEqual([a])
      expect(queue.retry(a, 'its query text was saved')).toBe(true)
      expect(queue.get(a)).toMatchObject({ state: 'pending', attempts: 0, reason: 'its query text was saved' })
      expect(queue.retry(a, 'again')).toBe(false)
      expect(queue.history(a).map((h) => h.to)).toEqual(['pending', 'failed', 'pending'])
    } finally {
      queue.close()
    }
  })

  it('retries an RPC failure with backoff and passes a revert through at once', async () => {
    let calls = 0
    const delays: number[] = []
    const value = await withRetry(async () => {
      if (++calls < 3) throw new ChainRequestError({ action: 'eth_blockNumber', reason: 'connection refused' })
      return 42
    }, { baseMs: 5, onRetry: (_e, _n, ms) => delays.push(ms) })
    expect(value).toBe(42)
    expect(delays).toEqual([5, 10])
    let failures = 0
    await expect(withRetry(async () => {
      failures++
      throw new TypeError('not an RPC failure')
    }, { baseMs: 1 })).rejects.toThrow(TypeError)
    expect(failures).toBe(1)
  })
})
