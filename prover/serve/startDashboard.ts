import { availableParallelism } from 'node:os'
import type { ChainTarget } from '../chain/connectChain.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import { deployDevSettlement } from '../app/deployDevSettlement.ts'
import { checkBindHost, DEFAULT_SERVE_HOST } from './bindHost.ts'
import { buildDashboard } from './buildDashboard.ts'
import type { DashboardContext } from './dashboardContext.ts'
import { createJobRegistry, type JobRegistry } from './jobRegistry.ts'
import { openServerChain, type ServerChain } from './serverChain.ts'

/** Default largest Datanet upload: 16 MiB (a few thousand mails); the CLI imports bigger files. */
export const DEFAULT_MAX_UPLOAD_BYTES = 16 * 1024 * 1024

export type StartDashboardParameters = {
  home: string
  buildDir?: string
  /** Default 127.0.0.1; anything but loopback needs `allowRemote`. */
  host?: string
  /** Default 8787; 0 picks a free port. */
  port?: number
  allowRemote?: boolean
  /** An RPC chain and its key; default: the home's chain (see openServerChain). */
  rpc?: Exclude<ChainTarget, { rpc?: undefined }>
  circuitSet?: CircuitSetName
  maxUploadBytes?: number
  workers?: number
  log?: (line: string) => void
}

export type StartedDashboard = { url: string; chain: Omit<ServerChain, 'target' | 'close'>; jobs: JobRegistry; close(): Promise<void> }

/**
 * `poa serve`: check the listen address (loopback unless allowRemote), open the chain, build the
 * dashboard, listen, and queue the settlement's setup (dev keys, verifier, idempotent) so the
 * first question does not wait for it. `close` stops listening, lets the running job finish, then
 * closes the chain this server started.
 */
export async function startDashboard(p: StartDashboardParameters): Promise<StartedDashboard> {
  const host = checkBindHost({ host: p.host ?? DEFAULT_SERVE_HOST, allowRemote: p.allowRemote })
  const log = p.log ?? (() => {})
  const chain = await openServerChain({ home: p.home, rpc: p.rpc, log })
  const jobs = createJobRegistry()
  const ctx: DashboardContext = {
    home: p.home, buildDir: p.buildDir, chain, jobs, circuitSet: p.circuitSet ?? 'tiny',
    maxUploadBytes: p.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, workers: p.workers ?? Math.min(4, availableParallelism()), log,
  }
  const app = buildDashboard(ctx)
  try {
    await app.listen({ host, port: p.port ?? 8787 })
  } catch (error) {
    await chain.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : p.port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
  jobs.start('setup', `settlement for the ${ctx.circuitSet} circuit`, async (job) => {
    const r = await deployDevSettlement({ home: p.home, buildDir: p.buildDir, chain: chain.target, circuitSet: ctx.circuitSet, log: job.log })
    job.step('settlement ready', { settlement: r.settlement, circuit: r.circuit })
    return { settlement: r.settlement, circuit: r.circuit }
  })
  const { target: _target, close: _close, ...shown } = chain
  return {
    url, chain: shown, jobs,
    async close() {
      await app.close()
      await jobs.idle()
      await chain.close()
    },
  }
}
