import { Command, Option } from 'commander'
import { availableParallelism } from 'node:os'
import type { ModelManifest, ProjectionKind, ProviderRequest } from '../../prover/influence/index.ts'
import { heldOutText, heldOutWarning, vectorizerChoiceText } from '../../prover/influence/heldOutText.ts'
import { CliOptionConflictError, kernelText, scoringOption, accountOption, bigintOption, exactlyOne, foldsOption, integerOption, labelsOption, positiveNumberOption, vectoriserOption, type GlobalOptions } from '../options.ts'
import { addChainOptions, chainTargetOf } from '../chainOptions.ts'
import { note, printResult, progressLine } from '../output.ts'

const epochNote = (p: { epoch: number; epochs: number; loss: number; accuracy: number }) => note(`epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, accuracy ${(100 * p.accuracy).toFixed(1)}%`)

const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`

async function queryText(options: { text?: string; file?: string }): Promise<string> {
  exactlyOne('--text/--file', options.text, options.file)
  if (options.text !== undefined) return options.text
  const { readFileSync } = await import('node:fs')
  return readFileSync(options.file!, 'utf8')
}

function summary(m: ModelManifest) {
  return { name: m.name, source: m.source, vectorizer: m.vectorizerSpec, modelSha256: m.modelSha256, modelHash: m.modelHash, featuresSha256: m.featuresSha256, labels: m.labels, projection: m.projection, training: m.training }
}

const providerOption = () => new Option('--provider <p>', 'onnxruntime execution provider (cuda falls back to cpu)').choices(['auto', 'cuda', 'cpu']).default('auto')
const versionOption = () => new Option('--version <v>', 'datanet version (default: latest)').argParser(integerOption('--version', 1, 2 ** 31))
const kOption = () => new Option('--k <k>', 'attribution features per record (default 128)').argParser(integerOption('--k', 1, 4096))
const projectionSeedOption = () => new Option('--projection-seed <s>', 'projection seed (default 1)').argParser(integerOption('--projection-seed', 0, 2 ** 32 - 1))

type QueryOptions = { model: string; datanet: string; version?: number; text?: string; file?: string; class?: string; provider: ProviderRequest }

const vectoriserHelp = "hashing-v1 (words, the spam model's), word:<n>-<m> or char:<n>-<m> n-grams, optionally @<width> (a power of two, default 1024), e.g. char:1-3@4096"
const vectoriserFlag = (what: string) => new Option('--vectoriser <spec>', `${what}: ${vectoriserHelp}`).argParser(vectoriserOption('--vectoriser'))

/** Registers: model train|train-base|register-local|index|register|query|attribute. */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('train or register a model, build its attribution index, query and attribute')

  model
    .command('train')
    .description('train a linear softmax classifier (hashing vectoriser + L2 linear softmax, ONNX) on a datanet or the Spam Assassin corpus, or with --base a low-rank adapter over a shared base')
    .requiredOption('--name <name>', 'model name (directory under <home>/models/)')
    .option('--datanet <ref>', 'train on this datanet (labels: class names or indices)')
    .addOption(versionOption())
    .addOption(new Option('--vectoriser <spec>', `input vectoriser (default hashing-v1): ${vectoriserHelp}; or auto: the best held-out accuracy of hashing-v1, word:1-2, char:2-4, char:3-5`).argParser(vectoriserOption('--vectoriser', { allowAuto: true })))
    .option('--labels <a,b,...>', "the classes in output order (default: the sorted distinct labels of the data); a record with another label is refused", labelsOption('--labels'))
    .option('--spam-assassin', 'train on the Spam Assassin corpus directly')
    .option('--limit <n>', 'balanced subset of the corpus (with --spam-assassin)', integerOption('--limit', 2, 6046))
    .option('--seed <s>', 'subset seed (with --spam-assassin)', integerOption('--seed', 0, 2 ** 32 - 1), 0)
    .addOption(kOption())
    .addOption(new Option('--projection <kind>', 'gradient projection').choices(['trak', 'whitened-trak', 'whitened-pca']).default('whitened-pca'))
    .addOption(projectionSeedOption())
    .option('--l2 <x>', 'L2 regularisation strength', positiveNumberOption('--l2'), 0.001)
    .option('--folds <n>', 'stratified cross-validation folds for the held-out accuracy (default 5, lowered when a class has fewer records; 0: none)', foldsOption('--folds'))
    .addOption(providerOption())
    .option('--base <name>', 'train a low-rank adapter on this base (poa model train-base) instead of a linear model')
    .option('--rank <r>', 'adapter rank (with --base, default 4)', integerOption('--rank', 1, 64))
    .option('--epochs <n>', 'adapter training epochs (with --base, default 20)', integerOption('--epochs', 1, 10_000))
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      if (o.spamAssassin === (o.datanet !== undefined)) throw new CliOptionConflictError({ option: '--datanet/--spam-assassin', reason: 'give exactly one of them' })
      if (o.base !== undefined) {
        for (const flag of ['vectoriser', 'projection', 'l2'] as const) {
          if (cmd.getOptionValueSource(flag) === 'cli') throw new CliOptionConflictError({ option: `--${flag}`, reason: 'an adapter takes the vectoriser of its base and its own projection (adapter-pca)' })
        }
        // Cross-validating an adapter would retrain it (tens of epochs) per fold: not offered yet.
        if (o.folds !== undefined) throw new CliOptionConflictError({ option: '--folds', reason: 'held-out accuracy is estimated for linear models only, not for adapters (--base)' })
        const { trainAdapterModel } = await import('../../prover/app/adapterModels.ts')
        const trained = await trainAdapterModel({
          home: opts.home, name: o.name, base: o.base, labels: o.labels, rank: o.rank, epochs: o.epochs, k: o.k, seed: o.projectionSeed,
          source: o.spamAssassin ? { spamAssassin: { limit: o.limit, seed: o.seed } } : { datanet: o.datanet, version: o.version },
          log: note, onProgress: epochNote,
        })
        printResult(opts, { dir: trained.dir, ...summary(trained.manifest), adapter: trained.manifest.adapter }, () =>
          `trained adapter "${o.name}" (rank ${trained.manifest.adapter!.rank}, ${trained.adapterBytes} bytes) on base "${o.base}" (${trained.baseBytes} bytes) in ${trained.dir}: classes ${trained.manifest.labels.join(', ')}, train accuracy ${(100 * trained.manifest.training!.trainAccuracy).toFixed(1)}%, model hash ${hex(BigInt(trained.manifest.modelHash))}`)
        return
      }
      const { trainLocalModel } = await import('../../prover/app/trainLocalModel.ts')
      const trained = await trainLocalModel({
        home: opts.home, name: o.name, l2: o.l2, provider: o.provider as ProviderRequest, vectorizer: o.vectoriser, labels: o.labels,
        source: o.spamAssassin ? { spamAssassin: { limit: o.limit, seed: o.seed } } : { datanet: o.datanet, version: o.version },
        projection: { kind: o.projection as ProjectionKind, k: o.k, seed: o.projectionSeed }, folds: o.folds,
        log: note, onProgress: progressLine,
      })
      const training = trained.manifest.training!
      if (training.vectorizerChoice) note(`vectoriser auto: ${vectorizerChoiceText(training.vectorizerChoice)} -> ${trained.manifest.vectorizerSpec}`)
      const warning = heldOutWarning(training.heldOut, trained.manifest.vectorizerSpec, { chosen: training.vectorizerChoice !== undefined })
      if (warning) note(`warning: ${warning}`)
      printResult(opts, { dir: trained.dir, ...summary(trained.manifest), ...(warning && { warnings: [warning] }) }, () =>
        `trained model "${o.name}" in ${trained.dir}: classes ${trained.manifest.labels.join(', ')}, vectoriser ${trained.manifest.vectorizerSpec}, train accuracy ${(100 * training.trainAccuracy).toFixed(1)}%${heldOutText(training.heldOut)}, model hash ${trained.manifest.modelSha256}`)
    })

  model
    .command('train-base')
    .description('train the shared base model for adapters (hashing vectoriser -> hidden layer -> ReLU -> head), saved once under <home>/bases/<name>/')
    .requiredOption('--name <name>', 'base name (directory under <home>/bases/)')
    .option('--datanet <ref>', 'train on this datanet')
    .addOption(versionOption())
    .option('--spam-assassin', 'train on the Spam Assassin corpus')
    .option('--afinn', 'train on the AFINN-111 word list')
    .option('--limit <n>', 'subset of the corpus', integerOption('--limit', 2, 6046))
    .option('--seed <s>', 'subset and initialisation seed', integerOption('--seed', 0, 2 ** 32 - 1), 0)
    .option('--hidden <h>', 'hidden width (default 128)', integerOption('--hidden', 1, 4096))
    .option('--epochs <n>', 'training epochs (default 8)', integerOption('--epochs', 1, 10_000))
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const given = [o.datanet !== undefined, Boolean(o.spamAssassin), Boolean(o.afinn)].filter(Boolean).length
      if (given !== 1) throw new CliOptionConflictError({ option: '--datanet/--spam-assassin/--afinn', reason: 'give exactly one of them' })
      const { trainBaseModel } = await import('../../prover/app/adapterModels.ts')
      const corpus = { limit: o.limit, seed: o.seed }
      const base = await trainBaseModel({
        home: opts.home, name: o.name, hiddenDim: o.hidden, epochs: o.epochs, seed: o.seed,
        source: o.spamAssassin ? { spamAssassin: corpus } : o.afinn ? { afinn: corpus } : { datanet: o.datanet, version: o.version },
        log: note, onProgress: epochNote,
      })
      printResult(opts, base, () => `trained base "${o.name}" in ${base.file}: ${base.inputDim} -> ${base.hiddenDim} -> ${base.labels.length} classes, ${base.bytes} bytes, train accuracy ${(100 * base.training.accuracy).toFixed(1)}%, sha256 ${base.sha256}`)
    })

  model
    .command('register-local <file>')
    .description('register an ONNX classifier that satisfies the model contract (a Gemm head feeding Softmax)')
    .requiredOption('--name <name>', 'model name (directory under <home>/models/)')
    .addOption(kOption())
    .addOption(projectionSeedOption())
    .addOption(vectoriserFlag("how text becomes the model's input, recorded in the stored model.onnx (default: the file's poa.vectorizer metadata, else hashing-v1 at its input width)"))
    .action(async (file: string, o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { registerOnnxModel } = await import('../../prover/app/registerOnnxModel.ts')
      const reg = await registerOnnxModel({ home: opts.home, name: o.name, file, vectorizer: o.vectoriser, projection: { k: o.k, seed: o.projectionSeed } })
      printResult(opts, { dir: reg.dir, ...summary(reg.manifest), head: reg.head }, () =>
        `registered "${o.name}" from ${file}: ${reg.head.classes} classes, head input "${reg.head.hiddenName}" (${reg.head.hiddenDim}), model hash ${reg.manifest.modelSha256}`)
    })

  model
    .command('index')
    .description("build the model's attribution index over a datanet version")
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--datanet <ref>', 'datanet id or name')
    .addOption(versionOption())
    .addOption(providerOption())
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { indexModel } = await import('../../prover/app/indexModel.ts')
      const result = await indexModel({ home: opts.home, model: o.model, datanet: o.datanet, version: o.version, provider: o.provider, onProgress: progressLine })
      printResult(opts, result, () => `indexed ${result.count} records of datanet ${result.datanet.id} v${result.datanet.version} (${result.provider}): index root ${hex(BigInt(result.root))}, k ${result.k}, scale 2^-${result.featureFracBits}`)
    })

  addChainOptions(
    model
      .command('register')
      .description("register a model on-chain with its attribution index root over a committed datanet version (as the model owner)")
      .requiredOption('--model <name>', 'model name, indexed over the datanet version with "poa model index"')
      .requiredOption('--datanet <ref>', 'local datanet id or name')
      .addOption(versionOption())
      .option('--chain-datanet <id>', "the datanet's on-chain id (default: the one holding this version's root)", bigintOption('--chain-datanet'))
      .option('--metadata-uri <uri>', 'metadata URI stored with the model (default poa://model/<name>)')
      .option('--account <n|key>', 'model owner: development account index, or a private key', accountOption('--account')),
  ).action(async (o, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { registerModel } = await import('../../prover/app/registerModel.ts')
    const result = await registerModel({
      home: opts.home, buildDir: opts.buildDir, chain: chainTargetOf(o), model: o.model, datanet: o.datanet, version: o.version,
      chainDatanetId: o.chainDatanet, metadataURI: o.metadataUri, account: o.account,
    })
    printResult(opts, result, () =>
      `registered model "${o.model}" as model #${result.modelId} over datanet #${result.chainDatanetId} v${result.datanetVersion}: index root ${hex(result.indexRoot)}, k ${result.k}, owner ${result.owner} (tx ${result.txHash})`, () => String(result.modelId))
  })

  const queryCommand = (name: string, description: string) =>
    model
      .command(name)
      .description(description)
      .requiredOption('--model <name>', 'model name')
      .requiredOption('--datanet <ref>', 'datanet id or name (its index fixes the feature scale)')
      .addOption(versionOption())
      .option('--text <text>', 'query text')
      .option('--file <path>', 'read the query text from a file')
      .option('--class <label>', 'the class to attribute, a label or class index (default: the predicted class); the query commitment carries it')
      .addOption(providerOption())

  queryCommand('query', "the model's prediction, query features and query commitment").action(async (o: QueryOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const text = await queryText(o)
    const { queryIndexedModel } = await import('../../prover/app/queryIndexedModel.ts')
    const q = await queryIndexedModel({ home: opts.home, model: o.model, datanet: o.datanet, version: o.version, text, target: o.class, provider: o.provider })
    printResult(opts, q, () =>
      `prediction: ${q.prediction.label} (${q.prediction.probabilities.map((p) => p.toFixed(4)).join(', ')}), attributed class ${q.target.label}\nquery commitment: ${hex(q.queryCommitment)}\nphi_q (scale 2^-${q.featureFracBits}): [${q.features.join(', ')}]`)
  })

  queryCommand('attribute', 'score every record of the index against a query and list the top-K contributors')
    .option('--top-k <K>', 'candidates to return', integerOption('--top-k', 1, 1024), 8)
    .option('--workers <n>', 'scoring worker threads (default: cores)', integerOption('--workers', 1, 256))
    .addOption(scoringOption())
    .action(async (o: QueryOptions & { topK: number; workers?: number; scoring: 'auto' | 'native' | 'onnx' }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const text = await queryText(o)
      const { attributeQuery } = await import('../../prover/app/attributeQuery.ts')
      const result = await attributeQuery({
        home: opts.home, model: o.model, datanet: o.datanet, version: o.version, text, target: o.class, topK: o.topK, workers: o.workers ?? availableParallelism(), provider: o.provider, scoring: o.scoring,
      })
      printResult(opts, result, () => [
        `prediction: ${result.prediction.label}, attributed class ${result.target.label}; ${result.distribution.count} records scored (${result.distribution.positive} positive) by ${kernelText(result.kernel)}`,
        ...result.top.map((t, i) => `  ${i + 1}. record ${t.position} ${t.contributor} [${t.label ?? ''}] score ${t.score}`),
      ].join('\n'))
    })
}
