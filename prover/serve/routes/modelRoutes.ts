import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { indexModel } from '../../app/indexModel.ts'
import { registerModel } from '../../app/registerModel.ts'
import { trainLocalModel } from '../../app/trainLocalModel.ts'
import { DEFAULT_PROJECTION } from '../../influence/trainModel.ts'
import { withChainSession } from '../../app/withChainSession.ts'
import { readModelOnChain } from '../../clients/modelRegistry.ts'
import { homeLayout } from '../../layout/index.ts'
import { PROJECTION_KINDS, type ProjectionKind } from '../../influence/projection.ts'
import { CIRCUIT_SETS } from '../../proof/circuitParams.ts'
import { BASE_MODELS, baseModelVectoriser } from '../baseModels.ts'
import type { DashboardContext } from '../dashboardContext.ts'
import { datanetRef, optionalInteger, optionalNumber, optionalText, requiredText } from '../requestFields.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

type LocalModel = { name: string; modelHash: string; vectorizer: string; labels: string[]; training?: unknown; registered: { modelId: string; datanetId: string; datanetVersion: string }[] }

/** The models under `<home>/models/`, each with the on-chain registrations of its hash. */
async function listModels(ctx: DashboardContext): Promise<LocalModel[]> {
  const dir = homeLayout(ctx.home).modelsDir
  const local: LocalModel[] = []
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'model.json')
      if (!existsSync(file)) continue
      const m = JSON.parse(readFileSync(file, 'utf8')) as { modelHash: string; vectorizerSpec: string; labels: string[]; training?: unknown }
      local.push({ name, modelHash: m.modelHash, vectorizer: m.vectorizerSpec, labels: m.labels, training: m.training, registered: [] })
    }
  }
  if (local.length === 0) return local
  return withChainSession({ home: ctx.home, chain: ctx.chain.target }, async (chain) => {
    const count = Number(await chain.contracts.modelRegistry.getFunction('modelCount')())
    for (let id = 1; id <= count; id++) {
      const m = await readModelOnChain({ chain, modelId: BigInt(id) })
      for (const l of local) if (BigInt(l.modelHash) === m.modelHash) l.registered.push({ modelId: String(id), datanetId: String(m.datanetId), datanetVersion: String(m.datanetVersion) })
    }
    return local
  })
}

/**
 * ModelFactory: the base models, the local models and their registrations, fine-tuning on a
 * Datanet version (a job reporting loss and accuracy per epoch, then the attribution index), and
 * registration on-chain with the index root (a job).
 */
export function modelRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const featureCount = CIRCUIT_SETS[ctx.circuitSet].featureCount

  app.get('/api/base-models', () => ({ baseModels: BASE_MODELS, projections: PROJECTION_KINDS, defaultProjection: DEFAULT_PROJECTION, featureCount, circuitSet: ctx.circuitSet }))

  app.get('/api/models', () => listModels(ctx))

  app.post('/api/models/train', (req) => {
    const body = req.body as Record<string, unknown>
    const name = requiredText(body, 'name', { pattern: NAME })
    const datanet = datanetRef(requiredText(body, 'datanet', { max: 64 }))
    const version = optionalInteger(body, 'version', 1, 2 ** 31)
    const base = requiredText(body, 'baseModel', { max: 64 })
    const vectorizer = baseModelVectoriser(base)
    const l2 = optionalNumber(body, 'l2')
    const projection = optionalText(body, 'projection', { pattern: new RegExp(`^(${PROJECTION_KINDS.join('|')})$`) }) as ProjectionKind | undefined
    return ctx.jobs.start('train', `fine-tune ${name} (${base}) on datanet ${String(datanet)}`, async (job) => {
      job.step('training', { baseModel: base, datanet, version })
      // k is the proving circuit's: the index's features are what its proofs take.
      const trained = await trainLocalModel({
        home: ctx.home, name, vectorizer, l2, source: { datanet, version }, projection: { kind: projection, k: featureCount },
        onEpoch: job.epoch, onProgress: job.onProgress, log: job.log,
      })
      job.step('trained', { epochs: trained.manifest.training?.iterations, trainAccuracy: trained.manifest.training?.trainAccuracy, modelHash: trained.manifest.modelHash })
      const index = await indexModel({ home: ctx.home, model: name, datanet, version, onProgress: job.onProgress })
      job.step('indexed', { records: index.count, indexRoot: index.root, k: index.k })
      return { name, modelHash: trained.manifest.modelHash, labels: trained.manifest.labels, training: trained.manifest.training, index: { root: index.root, count: index.count, k: index.k, datanet: index.datanet } }
    })
  })

  app.post('/api/models/:name/register', (req) => {
    const model = requiredText(req.params as Record<string, unknown>, 'name', { pattern: NAME })
    const body = req.body as Record<string, unknown>
    const datanet = datanetRef(requiredText(body, 'datanet', { max: 64 }))
    const version = optionalInteger(body, 'version', 1, 2 ** 31)
    return ctx.jobs.start('register', `register ${model} on-chain`, async (job) => {
      const r = await registerModel({ home: ctx.home, buildDir: ctx.buildDir, chain: ctx.chain.target, model, datanet, version })
      job.step('registered', { modelId: r.modelId, indexRoot: r.indexRoot, txHash: r.txHash })
      return r
    })
  })
}
