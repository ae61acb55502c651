import type { FastifyInstance } from 'fastify'
import { ADAPTER_TRAINING_LIMITS, trainBaseModel } from '../../app/adapterModels.ts'
import { DEFAULT_PROJECTION } from '../../influence/trainModel.ts'
import { PROJECTION_KINDS } from '../../influence/projection.ts'
import { CIRCUIT_SETS } from '../../proof/circuitParams.ts'
import { checkNewBaseName, listBaseModels } from '../baseModels.ts'
import type { DashboardContext } from '../dashboardContext.ts'
import { datanetRef, optionalInteger, requiredText } from '../requestFields.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * Base models: the list ModelFactory picks from (vectoriser bases and the home's OpenLoRA bases),
 * and training an OpenLoRA base on a Datanet version (a job reporting loss and accuracy per epoch).
 */
export function baseRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const featureCount = CIRCUIT_SETS[ctx.circuitSet].featureCount

  app.get('/api/base-models', async () => ({
    baseModels: await listBaseModels(ctx.home), projections: PROJECTION_KINDS, defaultProjection: DEFAULT_PROJECTION, featureCount, circuitSet: ctx.circuitSet,
    adapterLimits: ADAPTER_TRAINING_LIMITS,
  }))

  app.post('/api/bases/train', (req) => {
    const body = req.body as Record<string, unknown>
    const name = checkNewBaseName(ctx.home, requiredText(body, 'name', { pattern: NAME }))
    const datanet = datanetRef(requiredText(body, 'datanet', { max: 64 }))
    const version = optionalInteger(body, 'version', 1, 2 ** 31)
    const { hiddenDim: h, epochs: e } = ADAPTER_TRAINING_LIMITS
    const hiddenDim = optionalInteger(body, 'hiddenDim', h.min, h.max)
    const epochs = optionalInteger(body, 'epochs', e.min, e.max)
    return ctx.jobs.start('train-base', `train base ${name} on datanet ${String(datanet)}`, async (job) => {
      job.step('training', { base: name, datanet, version })
      const base = await trainBaseModel({
        home: ctx.home, name, source: { datanet, version }, hiddenDim, epochs, log: job.log,
        onProgress: (p) => job.epoch({ epoch: p.epoch, loss: p.loss, accuracy: p.accuracy }),
      })
      job.step('saved', { sha256: base.sha256, bytes: base.bytes, hiddenDim: base.hiddenDim })
      return { id: `lora:${name}`, name, sha256: base.sha256, bytes: base.bytes, hiddenDim: base.hiddenDim, inputDim: base.inputDim, labels: base.labels, training: base.training }
    })
  })
}
