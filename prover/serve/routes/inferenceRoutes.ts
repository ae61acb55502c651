import type { FastifyInstance } from 'fastify'
import { readInference } from '../../app/readInference.ts'
import { withChainSession } from '../../app/withChainSession.ts'
import { askInference } from '../askInference.ts'
import type { DashboardContext } from '../dashboardContext.ts'
import { openAmount, requiredInteger, requiredText } from '../requestFields.ts'

/** Inference: ask a question of a registered model and pay its fee (a job whose steps are the timeline), and read one back. */
export function inferenceRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.post('/api/inferences', (req) => {
    const body = req.body as Record<string, unknown>
    const modelId = requiredInteger(body, 'modelId', 1, Number.MAX_SAFE_INTEGER)
    const text = requiredText(body, 'text', { max: 100_000 })
    const feeWei = openAmount(body, 'feeOpen')
    return ctx.jobs.start('inference', `ask model #${modelId}`, (job) => askInference(ctx, job, { modelId: BigInt(modelId), text, feeWei }))
  })

  app.get('/api/inferences/:id', (req) => {
    const id = requiredText(req.params as Record<string, unknown>, 'id', { pattern: /^0x[0-9a-fA-F]{64}$/ }).toLowerCase()
    return withChainSession({ home: ctx.home, chain: ctx.chain.target }, (chain) => readInference({ chain, inferenceId: id }))
  })
}
