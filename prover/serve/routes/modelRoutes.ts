import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { ADAPTER_TRAINING_LIMITS } from '../../app/adapterModels.ts'
import { fineTuneModel } from '../../app/fineTuneModel.ts'
import { registerModel } from '../../app/registerModel.ts'
import { BASE_FILE, DEFAULT_RANK } from '../../adapters/index.ts'
import type { ModelManifest } from '../../influence/index.ts'
import { withChainSession } from '../../app/withChainSession.ts'
import { readModelOnChain } from '../../clients/modelRegistry.ts'
import { homeLayout } from '../../layout/index.ts'
import { PROJECTION_KINDS, type ProjectionKind } from '../../influence/projection.ts'
import { CIRCUIT_SETS } from '../../proof/circuitParams.ts'
import { resolveBaseModel } from '../baseModels.ts'
import type { DashboardContext } from '../dashboardContext.ts'
import { datanetRef, optionalInteger, optionalNumber, optionalText, requiredText } from '../requestFields.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** An adapter model's base, rank and file sizes: the adapter is all a fine-tuned model adds to its shared base. */
type AdapterSummary = { base: string; rank: number; adapterBytes: number; baseBytes: number | null }

type LocalModel = {
  name: string; kind: 'head' | 'lora'; modelHash: string; vectorizer: string; labels: string[]; training?: unknown; adapter?: AdapterSummary
  registered: { modelId: string; datanetId: string; datanetVersion: string }[]
}

function adapterSummary(home: string, adapter: NonNullable<ModelManifest['adapter']>): AdapterSummary {
  const baseFile = join(home, 'bases', adapter.base, BASE_FILE)
  return { base: adapter.base, rank: adapter.rank, adapterBytes: adapter.adapterBytes, baseBytes: existsSync(baseFile) ? statSync(baseFile).size : null }
}

/** The models under `<home>/models/`, each with the on-chain registrations of its hash. */
async function listModels(ctx: DashboardContext): Promise<LocalModel[]> {
  const dir = homeLayout(ctx.home).modelsDir
  const local: LocalModel[] = []
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'model.json')
      if (!existsSync(file)) continue
      const m = JSON.parse(readFileSync(file, 'utf8')) as ModelManifest
      local.push({
        name, kind: m.adapter ? 'lora' : 'head', modelHash: m.modelHash, vectorizer: m.vectorizerSpec ?? '', labels: m.labels, training: m.training,
        ...(m.adapter ? { adapter: adapterSummary(ctx.home, m.adapter) } : {}), registered: [],
      })
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
 * ModelFactory: the local models and their registrations, fine-tuning on a Datanet version over a
 * vectoriser or an OpenLoRA base (a job reporting loss and accuracy per epoch, then the attribution index), and
 * registration on-chain with the index root (a job).
 */
export function modelRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const featureCount = CIRCUIT_SETS[ctx.circuitSet].featureCount

  app.get('/api/models', () => listModels(ctx))

  app.post('/api/models/train', (req) => {
    const body = req.body as Record<string, unknown>
    const name = requiredText(body, 'name', { pattern: NAME })
    const datanet = datanetRef(requiredText(body, 'datanet', { max: 64 }))
    const version = optionalInteger(body, 'version', 1, 2 ** 31)
    const baseId = requiredText(body, 'baseModel', { max: 80 })
    const { rank: r, epochs: e } = ADAPTER_TRAINING_LIMITS
    const base = resolveBaseModel(ctx.home, baseId, { rank: optionalInteger(body, 'rank', r.min, r.max), epochs: optionalInteger(body, 'epochs', e.min, e.max) }, {
      l2: optionalNumber(body, 'l2'),
      projection: optionalText(body, 'projection', { pattern: new RegExp(`^(${PROJECTION_KINDS.join('|')})$`) }) as ProjectionKind | undefined,
    })
    const what = base.kind === 'lora' ? `a rank-${base.rank ?? DEFAULT_RANK} adapter on ${base.base}` : baseId
    return ctx.jobs.start('train', `fine-tune ${name} (${what}) on datanet ${String(datanet)}`, async (job) => {
      job.step('training', { baseModel: baseId, kind: base.kind, datanet, version })
      // k is the proving circuit's: the index's features are what its proofs take.
      return fineTuneModel({ home: ctx.home, name, datanet, version, base, k: featureCount, onEpoch: job.epoch, onProgress: job.onProgress, onStep: job.step, log: job.log })
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
