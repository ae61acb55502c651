import { createServer, type Server } from 'node:http'
import type { JobQueue, JobState } from './jobQueue.ts'
import type { ValidationState } from './validationQueue.ts'

/**
 * The node's counters, served as JSON on 127.0.0.1 only (GET /metrics): jobs per state, jobs done
 * (settled), failed and dropped, proof times, chain head and scan cursor. Counts come from the
 * persistent queue, so they survive restarts; RPC retries are counted in memory.
 */
export type NodeMetrics = {
  jobs: Record<JobState, number>
  done: number
  failed: number
  dropped: number
  /** Settled jobs claimed (by this node, or already by someone else). */
  claimed: number
  rpcRetries: number
  proofSeconds: { count: number; mean: number; max: number; last?: number }
  head?: number
  cursor?: number
  /** `poa node --validate` only: settlements checked (per end state), challenges won, and the bond shares they credited (OPEN wei, decimal). */
  validator?: { audits: number; challenges: number; bondsWonWei: string; validations: Record<ValidationState, number>; cursor?: number }
}

export function collectMetrics(queue: JobQueue, extra: { rpcRetries: number; head?: number; validating?: boolean }): NodeMetrics {
  const jobs = queue.counts()
  const times = queue.list().filter((j) => j.provingMs !== undefined).map((j) => j.provingMs! / 1000)
  const round = (x: number) => Math.round(x * 1000) / 1000
  return {
    jobs,
    done: jobs.settled,
    failed: jobs.failed,
    dropped: jobs.dropped,
    claimed: queue.claimedCount(),
    rpcRetries: extra.rpcRetries,
    proofSeconds: {
      count: times.length,
      mean: times.length ? round(times.reduce((a, b) => a + b, 0) / times.length) : 0,
      max: times.length ? round(Math.max(...times)) : 0,
      last: times.length ? round(times[times.length - 1]) : undefined,
    },
    head: extra.head,
    cursor: queue.cursor(),
    ...(extra.validating ? { validator: validatorMetrics(queue) } : {}),
  }
}

function validatorMetrics(queue: JobQueue): NonNullable<NodeMetrics['validator']> {
  const validations = queue.validations.counts()
  return {
    // An audit is a settlement this node checked against its copies to a verdict.
    audits: validations.stands + validations.challenged,
    challenges: validations.challenged,
    bondsWonWei: queue.validations.bondsWonWei().toString(),
    validations,
    cursor: queue.validations.cursor(),
  }
}

/** Serve `read()` at http://127.0.0.1:<port>/metrics (port 0: a free one). */
export async function startMetricsServer(port: number, read: () => NodeMetrics): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(read())}\n`)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
