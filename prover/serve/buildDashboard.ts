import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { PoaError, jsonSafe } from '../errors/index.ts'
import { packagePath } from '../layout/index.ts'
import type { DashboardContext } from './dashboardContext.ts'
import { datanetRoutes } from './routes/datanetRoutes.ts'
import { inferenceRoutes } from './routes/inferenceRoutes.ts'
import { jobRoutes } from './routes/jobRoutes.ts'
import { baseRoutes } from './routes/baseRoutes.ts'
import { modelRoutes } from './routes/modelRoutes.ts'
import { rewardRoutes } from './routes/rewardRoutes.ts'
import { UploadTooLargeError, errorBody, httpStatusOf } from './serveErrors.ts'

/** The page: plain HTML, CSS and ES modules shipped with the package (no build step). */
export const DASHBOARD_UI_DIR = packagePath('prover', 'serve', 'ui')

/** Content types an upload may come as: the page sends the file's bytes as they are. */
const UPLOAD_TYPES = ['application/octet-stream', 'application/x-ndjson', 'application/jsonl', 'text/csv', 'text/plain']

/**
 * The dashboard's fastify instance: the JSON API under /api (results JSON-safe: bigints as decimal
 * strings), errors as `{ ok: false, error: { code, message, meta } }` with the PoaError's code, and
 * the page with Chart.js's UMD build served from node_modules (no CDN). Not listening: `inject`
 * exercises it in tests, startDashboard listens.
 */
export function buildDashboard(ctx: DashboardContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 })
  app.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  app.addHook('preSerialization', async (_req, _reply, payload) => jsonSafe(payload))

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    let failure: unknown = error
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const bytes = Number(_req.headers['content-length'])
      failure = new UploadTooLargeError({ bytes: Number.isFinite(bytes) ? bytes : undefined, limit: ctx.maxUploadBytes })
    } else if (!(error instanceof PoaError) && error.statusCode !== undefined && error.statusCode < 500) {
      // fastify's own request errors (bad JSON, unsupported media type) keep their status and say why.
      return reply.status(error.statusCode).send({ ok: false, error: { code: error.code ?? 'BAD_REQUEST', message: error.message, meta: {} } })
    }
    const status = failure instanceof PoaError ? httpStatusOf(failure) : 500
    if (status === 500) ctx.log(`dashboard: ${error.stack ?? error.message}`)
    return reply.status(status).send({ ok: false, error: errorBody(failure) })
  })

  app.register(fastifyStatic, { root: DASHBOARD_UI_DIR, prefix: '/' })
  // Chart.js's browser build, from the installed package.
  const chartDir = dirname(createRequire(import.meta.url).resolve('chart.js'))
  app.register(fastifyStatic, { root: chartDir, prefix: '/vendor/chart.js/', decorateReply: false, allowedPath: (path) => path === '/chart.umd.min.js' })

  for (const routes of [jobRoutes, datanetRoutes, baseRoutes, modelRoutes, inferenceRoutes, rewardRoutes]) routes(app, ctx)
  return app
}
