import { Command, Option } from 'commander'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { loadSpamAssassin } from '../../prover/dataset/spamAssassin.ts'
import { openDatanetStore, type DatanetStore, type StoredRecord } from '../../prover/datanet/index.ts'
import { PoaError } from '../../prover/errors/index.ts'
import { assertIndexMatchesDatanet, indexDir, loadAttributionIndex, saveAttributionIndex } from '../../prover/index/index.ts'
import {
  buildModelIndex, createScoringPool, DEFAULT_K, loadModel, modelDir, queryModel, registerLocalModel, saveModel, trainModel,
  type IndexRecord, type ModelManifest, type ProjectionKind, type ProviderRequest,
} from '../../prover/influence/index.ts'
import { note, printResult, progressLine, type OutputOptions } from '../output.ts'

type GlobalOptions = OutputOptions & { home: string }

const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`

class ModelArgumentError extends PoaError {
  constructor({ name, value, expected }: { name: string; value: unknown; expected: string }) {
    super('MODEL_ARGUMENT', 'USAGE', `${name} = ${JSON.stringify(value)}: expected ${expected}`, { meta: { name, value, expected } })
  }
}

function intArg(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ModelArgumentError({ name, value: text, expected: `an integer in [${min}, ${max}]` })
  return Number(text)
}

/** A stored label: a class name such as "spam", or a class index written as digits. */
function classOf(record: StoredRecord, labels: string[]): number | string {
  const label = record.label
  return label !== undefined && /^\d+$/.test(label) && !labels.includes(label) ? Number(label) : (label ?? '')
}

function datanetRecords(store: DatanetStore, ref: string, version: number | undefined, labels: string[]) {
  const info = store.getDatanet(ref)
  const v = store.getVersion(info.id, version)
  const records: IndexRecord[] = store.getRecords(info.id, v.version).map((r) => ({ contributor: r.contributor, content: r.content, label: classOf(r, labels), leaf: r.leaf }))
  return { info, version: v, records, datanet: { id: String(info.id), version: v.version, root: v.root } }
}

async function withStore<T>(opts: GlobalOptions, work: (store: DatanetStore) => Promise<T>): Promise<T> {
  const store = openDatanetStore({ home: opts.home })
  try {
    return await work(store)
  } finally {
    store.close()
  }
}

function queryText(options: { text?: string; file?: string }): string {
  if ((options.text === undefined) === (options.file === undefined)) throw new ModelArgumentError({ name: '--text/--file', value: options, expected: 'exactly one of --text <text> or --file <path>' })
  return options.text ?? readFileSync(options.file!, 'utf8')
}

function summary(m: ModelManifest) {
  return { name: m.name, source: m.source, modelSha256: m.modelSha256, modelHash: m.modelHash, featuresSha256: m.featuresSha256, labels: m.labels, projection: m.projection, training: m.training }
}

const providerOption = () => new Option('--provider <p>', 'onnxruntime execution provider (cuda falls back to cpu)').choices(['auto', 'cuda', 'cpu']).default('auto')
const datanetVersion = (v?: string) => (v === undefined ? undefined : intArg('--version', v, 1, 2 ** 31))

/** Registers: model train|register-local|index|query|attribute. */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('train or register a model, build its attribution index, query and attribute')

  model
    .command('train')
    .description('train the default model (hashing vectoriser + L2 linear softmax, ONNX) on a datanet or the Spam Assassin corpus')
    .requiredOption('--name <name>', 'model name (directory under <home>/models/)')
    .option('--datanet <ref>', 'train on this datanet (labels: class names or indices)')
    .option('--version <v>', 'datanet version (default: latest)')
    .option('--spam-assassin', 'train on the Spam Assassin corpus directly')
    .option('--limit <n>', 'balanced subset of the corpus (with --spam-assassin)')
    .option('--seed <s>', 'subset seed (with --spam-assassin)', '0')
    .option('--k <k>', 'attribution features per record', String(DEFAULT_K))
    .addOption(new Option('--projection <kind>', 'gradient projection').choices(['trak', 'whitened-trak', 'whitened-pca']).default('whitened-pca'))
    .option('--projection-seed <s>', 'projection seed', '1')
    .option('--l2 <x>', 'L2 regularisation strength', '0.001')
    .addOption(providerOption())
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const labels = ['ham', 'spam']
      let records: { content: string; label: number | string }[]
      if (o.spamAssassin === (o.datanet !== undefined)) throw new ModelArgumentError({ name: '--datanet/--spam-assassin', value: o.datanet ?? null, expected: 'exactly one of them' })
      if (o.spamAssassin) {
        records = loadSpamAssassin({ limit: o.limit === undefined ? undefined : intArg('--limit', o.limit, 2, 6046), seed: intArg('--seed', o.seed, 0, 2 ** 32 - 1) })
      } else {
        const decoder = new TextDecoder()
        records = await withStore(opts, async (store) =>
          datanetRecords(store, o.datanet, datanetVersion(o.version), labels).records.map((r) => ({ content: typeof r.content === 'string' ? r.content : decoder.decode(r.content), label: r.label })))
      }
      const l2 = Number(o.l2)
      if (!(l2 > 0)) throw new ModelArgumentError({ name: '--l2', value: o.l2, expected: 'a positive number' })
      note(`training on ${records.length} records`)
      const trained = await trainModel({
        name: o.name, records, labels, l2, provider: o.provider as ProviderRequest,
        projection: { kind: o.projection as ProjectionKind, k: intArg('--k', o.k, 1, 4096), seed: intArg('--projection-seed', o.projectionSeed, 0, 2 ** 32 - 1) },
        onProgress: progressLine('training'),
      })
      const dir = modelDir(opts.home, o.name)
      await saveModel({ dir, ...trained })
      printResult(opts, { dir, ...summary(trained.manifest) }, () =>
        `trained model "${o.name}" in ${dir}: train accuracy ${(100 * trained.manifest.training!.trainAccuracy).toFixed(1)}%, model hash ${trained.manifest.modelSha256}`)
    })

  model
    .command('register-local <file>')
    .description('register an ONNX classifier that satisfies the model contract (a Gemm head feeding Softmax)')
    .requiredOption('--name <name>', 'model name (directory under <home>/models/)')
    .option('--k <k>', 'attribution features per record', String(DEFAULT_K))
    .option('--projection-seed <s>', 'projection seed', '1')
    .action(async (file: string, o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const reg = await registerLocalModel({ name: o.name, file, projection: { k: intArg('--k', o.k, 1, 4096), seed: intArg('--projection-seed', o.projectionSeed, 0, 2 ** 32 - 1) } })
      const dir = modelDir(opts.home, o.name)
      await saveModel({ dir, ...reg })
      printResult(opts, { dir, ...summary(reg.manifest), head: { classes: reg.contract.classes, hiddenName: reg.contract.hiddenName, hiddenDim: reg.contract.hiddenDim } }, () =>
        `registered "${o.name}" from ${file}: ${reg.contract.classes} classes, head input "${reg.contract.hiddenName}" (${reg.contract.hiddenDim}), model hash ${reg.manifest.modelSha256}`)
    })

  model
    .command('index')
    .description("build the model's attribution index over a datanet version")
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--datanet <ref>', 'datanet id or name')
    .option('--version <v>', 'datanet version (default: latest)')
    .addOption(providerOption())
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const loaded = await loadModel(modelDir(opts.home, o.model))
      const result = await withStore(opts, async (store) => {
        const { info, records, datanet } = datanetRecords(store, o.datanet, datanetVersion(o.version), loaded.manifest.labels)
        const built = await buildModelIndex({ model: loaded, records, datanet, treeDepth: info.depth, provider: o.provider, onProgress: progressLine('indexing') })
        const dir = indexDir(loaded.dir, datanet.id, datanet.version)
        await saveAttributionIndex(dir, built.index)
        return { dir, provider: built.provider, ...built.index.manifest }
      })
      printResult(opts, result, () => `indexed ${result.count} records of datanet ${result.datanet.id} v${result.datanet.version} (${result.provider}): index root ${hex(BigInt(result.root))}, k ${result.k}, scale 2^-${result.featureFracBits}`)
    })

  const queryCommand = (name: string, description: string) =>
    model
      .command(name)
      .description(description)
      .requiredOption('--model <name>', 'model name')
      .requiredOption('--datanet <ref>', 'datanet id or name (its index fixes the feature scale)')
      .option('--version <v>', 'datanet version (default: latest)')
      .option('--text <text>', 'query text')
      .option('--file <path>', 'read the query text from a file')
      .addOption(providerOption())

  queryCommand('query', "the model's prediction, query features and query commitment").action(async (o, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const text = queryText(o)
    const loaded = await loadModel(modelDir(opts.home, o.model))
    const index = await withStore(opts, async (store) => {
      const info = store.getDatanet(o.datanet)
      const v = store.getVersion(info.id, datanetVersion(o.version))
      return loadAttributionIndex(indexDir(loaded.dir, String(info.id), v.version))
    })
    const q = await queryModel({ model: loaded, text, featureFracBits: index.manifest.featureFracBits, provider: o.provider })
    printResult(opts, { ...q, featureFracBits: index.manifest.featureFracBits }, () =>
      `prediction: ${q.prediction.label} (${q.prediction.probabilities.map((p) => p.toFixed(4)).join(', ')})\nquery commitment: ${hex(q.queryCommitment)}\nphi_q (scale 2^-${index.manifest.featureFracBits}): [${q.features.join(', ')}]`)
  })

  queryCommand('attribute', 'score every record of the index against a query and list the top-K contributors')
    .option('--top-k <K>', 'candidates to return', '8')
    .option('--workers <n>', 'scoring worker threads', String(availableParallelism()))
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const text = queryText(o)
      const topK = intArg('--top-k', o.topK, 1, 1024)
      const workers = intArg('--workers', o.workers, 1, 256)
      const loaded = await loadModel(modelDir(opts.home, o.model))
      const result = await withStore(opts, async (store) => {
        const info = store.getDatanet(o.datanet)
        const v = store.getVersion(info.id, datanetVersion(o.version))
        const index = await loadAttributionIndex(indexDir(loaded.dir, String(info.id), v.version))
        assertIndexMatchesDatanet(index.manifest, { id: String(info.id), version: v.version, root: v.root })
        const q = await queryModel({ model: loaded, text, featureFracBits: index.manifest.featureFracBits, provider: o.provider })
        const pool = createScoringPool({ workers })
        let scored
        try {
          scored = await pool.score({ features: index.features, k: index.manifest.k, query: q.features, topK })
        } finally {
          await pool.destroy()
        }
        const records = store.getRecords(info.id, v.version)
        return {
          prediction: q.prediction, queryCommitment: q.queryCommitment, inputHash: q.inputHash, provider: q.provider, workers: scored.workers,
          datanet: index.manifest.datanet, indexRoot: index.manifest.root, scoreFracBits: 2 * index.manifest.featureFracBits,
          top: scored.top.map((t) => ({ ...t, contributor: records[t.position].contributor, label: records[t.position].label })),
          distribution: scored.distribution,
        }
      })
      printResult(opts, result, () => [
        `prediction: ${result.prediction.label}; ${result.distribution.count} records scored (${result.distribution.positive} positive) with ${result.workers} workers`,
        ...result.top.map((t, i) => `  ${i + 1}. record ${t.position} ${t.contributor} [${t.label ?? ''}] score ${t.score}`),
      ].join('\n'))
    })
}
