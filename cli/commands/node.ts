import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { ContractNotDeployedError } from '../../prover/chain/index.ts'
import { openDatanetStore } from '../../prover/datanet/index.ts'
import { loadModel, modelDir } from '../../prover/influence/index.ts'
import { compileCircuit } from '../../prover/proof/compileCircuit.ts'
import { CIRCUIT_SETS, CIRCUIT_SET_NAMES, attributionSpec, type CircuitSetName } from '../../prover/proof/circuitParams.ts'
import { NodeConfigError, startNode } from '../../prover/node/runNode.ts'
import { checkInferenceId, saveQueryText } from '../../prover/node/queryStore.ts'
import { ensureDevKeys } from '../../ceremony/devSetup.ts'
import { note, printResult, type OutputOptions } from '../output.ts'
import { addChainOptions, withChain, type ChainCliOptions } from './chain.ts'

type GlobalOptions = OutputOptions & { home: string }
type NodeOptions = ChainCliOptions & {
  model?: string[]; datanet?: string; circuit: CircuitSetName; fromBlock?: number; pollMs: number; workers: number
  metricsPort?: number; untilIdle?: boolean; settlement?: string
}

function integer(name: string, min: number, max: number) {
  return (text: string): number => {
    if (!/^\d{1,15}$/.test(text) || Number(text) < min || Number(text) > max) throw new InvalidArgumentError(`${name} expected an integer in [${min}, ${max}], got "${text}"`)
    return Number(text)
  }
}

/** Models and datanet from the flags, else from `<home>/node.json` ({"models": [...], "datanet": "..."}). */
function nodeConfig(home: string, options: NodeOptions): { models: string[]; datanet: string } {
  const file = join(home, 'node.json')
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { models?: string[]; datanet?: string }) : {}
  const models = options.model ?? saved.models
  const datanet = options.datanet ?? saved.datanet
  if (!models?.length) throw new NodeConfigError({ option: '--model', reason: `name at least one local model (or "models" in ${file})` })
  if (datanet === undefined) throw new NodeConfigError({ option: '--datanet', reason: `name the local datanet the models were indexed on (or "datanet" in ${file})` })
  return { models, datanet: String(datanet) }
}

/** Registers: node (the prover loop) and inference save-query (the host's local copy of a query). */
export function registerNodeCommands(program: Command): void {
  addChainOptions(
    program.command('node').description('prove pending inferences of the served models and settle them (runs until SIGINT/SIGTERM)')
      .option('--model <name...>', 'served local models (under <home>/models/)')
      .option('--datanet <ref>', 'the local datanet the models were indexed on')
      .addOption(new Option('--circuit <set>', 'circuit parameter set').choices(CIRCUIT_SET_NAMES).default('tiny'))
      .option('--from-block <n>', 'first block to scan on a fresh queue', integer('--from-block', 0, Number.MAX_SAFE_INTEGER))
      .option('--poll-ms <ms>', 'chain polling interval', integer('--poll-ms', 50, 3_600_000), 1000)
      .option('--workers <n>', 'scoring threads', integer('--workers', 1, 256), 1)
      .option('--metrics-port <port>', 'serve counters on 127.0.0.1 (0: a free port)', integer('--metrics-port', 0, 65535))
      .option('--until-idle', 'exit once the chain is scanned and no job is open')
      .option('--settlement <address>', 'AttributionSettlement address (default: the deployment file)'),
  ).action(async (options: NodeOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    if (options.rpc === undefined) throw new NodeConfigError({ option: '--rpc', reason: 'a node needs a JSON-RPC chain shared with the hosts that record inferences' })
    const config = nodeConfig(opts.home, options)
    const params = CIRCUIT_SETS[options.circuit]
    const circuit = await compileCircuit(attributionSpec(params), note)
    const keys = await ensureDevKeys(circuit, note)
    const models = await Promise.all(config.models.map((name) => loadModel(modelDir(opts.home, name))))
    const store = openDatanetStore({ home: opts.home })
    try {
      await withChain(opts.home, options, async (chain) => {
        const settlement = options.settlement ?? chain.deployment.contracts.AttributionSettlement
        if (settlement === undefined) throw new ContractNotDeployedError({ contract: 'AttributionSettlement', chainId: chain.chainId, file: chain.deploymentFile })
        const node = await startNode({
          home: opts.home, chain, settlement, models, store, datanet: config.datanet, circuit, keys, params,
          fromBlock: options.fromBlock, pollMs: options.pollMs, workers: options.workers, metricsPort: options.metricsPort, untilIdle: options.untilIdle, log: note,
        })
        if (node.metricsUrl) note(`metrics: ${node.metricsUrl}`)
        const stop = () => node.stop()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        const summary = await node.done
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        printResult(opts, summary, () => `node stopped: ${summary.done} settled, ${summary.dropped} dropped, ${summary.failed} failed`)
      }, { deploy: false })
    } finally {
      store.close()
    }
  })

  // `inference` is settle.ts's group; the host's local query copy is the node's concern, so it is added here.
  const inference = program.commands.find((c) => c.name() === 'inference') ?? program.command('inference')
  inference.command('save-query').description('keep the query text of an inference in <home>/queries/ (the node and the auditor read it)')
    .argument('<inference-id>', 'the inference (0x + 64 hex)')
    .option('--text <text>', 'the query text')
    .option('--file <path>', 'a file holding the query text (UTF-8, exactly as committed)')
    .action(async (id: string, o: { text?: string; file?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const inferenceId = checkInferenceId(id, '<inference-id>')
      if ((o.text === undefined) === (o.file === undefined)) throw new NodeConfigError({ option: '--text/--file', reason: 'give exactly one of them' })
      const path = await saveQueryText({ home: opts.home, inferenceId, text: o.text ?? readFileSync(o.file!, 'utf8') })
      printResult(opts, { inferenceId, path }, () => `saved the query of ${inferenceId} in ${path}`)
    })
}
