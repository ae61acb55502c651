import type { FastifyInstance } from 'fastify'
import type { DashboardContext } from '../dashboardContext.ts'

/** Jobs (poll a job for its steps, epochs and progress) and the server's status: never its key. */
export function jobRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/status', () => ({
    home: ctx.home,
    chain: { chainId: ctx.chain.chainId, url: ctx.chain.url, served: ctx.chain.served, signer: ctx.chain.signerAddress, devClock: ctx.chain.devClock },
    circuitSet: ctx.circuitSet,
    maxUploadBytes: ctx.maxUploadBytes,
  }))
  app.get('/api/jobs', () => ctx.jobs.list().map(({ id, kind, title, state, createdAt, finishedAt }) => ({ id, kind, title, state, createdAt, finishedAt })))
  app.get('/api/jobs/:id', (req) => ctx.jobs.get((req.params as { id: string }).id))
}
