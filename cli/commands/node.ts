import { Option, type Command } from 'commander'
import { PROOF_SYSTEM_NAMES, type ProofSystemName } from '../../prover/proof/proofSystemNames.ts'
import type { NodeCrashPoint } from '../../prover/node/runNode.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { circuitAutoOption, circuitSetOf, type GlobalOptions, integerOption, scoringOption } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

type NodeOptions = ChainCliOptions & {
  model?: string[]; datanet?: string; circuit: string; fromBlock?: number; pollMs: number; workers: number
  metricsPort?: number; untilIdle?: boolean; settlement?: string; claim: boolean; prove: boolean; querySource?: string[]; crashAt?: NodeCrashPoint; validate?: boolean; system: ProofSystemName
  scoring: 'auto' | 'native' | 'onnx'; provider: 'auto' | 'cuda' | 'cpu'
}

/**
 * The test-only crash hook, read here at the edge: --crash-at (hidden), else POA_NODE_CRASH_AT
 * when POA_NODE_TEST_HOOKS=1. Production code never reads these variables.
 */
function crashAtOf(options: NodeOptions): NodeCrashPoint | undefined {
  if (options.crashAt !== undefined) return options.crashAt
  return process.env.POA_NODE_TEST_HOOKS === '1' ? (process.env.POA_NODE_CRASH_AT as NodeCrashPoint | undefined) : undefined
}

/** Registers: node (the prover loop). */
export function registerNodeCommands(program: Command): void {
  addChainOptions(
    program.command('node').description('prove pending inferences of the served models and settle them, with --validate also challenge faulty settlements (runs until SIGINT/SIGTERM)')
      .option('--model <name...>', 'served local models (under <home>/models/)')
      .option('--datanet <ref>', 'the local datanet the models were indexed on')
      .addOption(circuitAutoOption('circuit parameter set it proves (and with --validate challenges) with'))
      .addOption(new Option('--system <name>', 'proof system it proves with: groth16 or ultrahonk (inferences recorded under that circuit id); with --validate it challenges with the same system').choices(PROOF_SYSTEM_NAMES).default('groth16'))
      .option('--from-block <n>', 'first block to scan on a fresh queue', integerOption('--from-block', 0, Number.MAX_SAFE_INTEGER))
      .option('--poll-ms <ms>', 'chain polling interval', integerOption('--poll-ms', 50, 3_600_000), 1000)
      .option('--workers <n>', 'scoring threads', integerOption('--workers', 1, 256), 1)
      .addOption(scoringOption())
      .addOption(new Option('--provider <p>', 'onnxruntime execution provider of the scoring (--scoring auto|onnx); cuda falls back').choices(['auto', 'cuda', 'cpu']).default('auto'))
      .option('--metrics-port <port>', 'serve counters on 127.0.0.1 (0: a free port)', integerOption('--metrics-port', 0, 65535))
      .option('--until-idle', 'exit once the chain is scanned and no job is open')
      .option('--validate', "also check every settlement of the served models within its challenge window, and challenge one that left out a record scoring above its threshold (the node's key takes the challenger's share of the bond)")
      .option('--settlement <address>', 'AttributionSettlement address (default: the deployment file)')
      .option('--query-source <url...>', "hosts' `poa inference serve-queries` URLs: a missing query text is fetched from them (and proven only if it matches the recorded commitment)")
      .option('--no-prove', 'with --validate: only validate and challenge, never prove inferences (leave proofs to the provers instead of racing them)')
      .option('--no-claim', "leave claiming to others (by default the node claims each inference it settled once its challenge window has passed: the contributors' payouts, its fee and its bond back are credited)")
      .addOption(new Option('--crash-at <point>', 'test only: SIGKILL the node at this point').choices(['scoring', 'proving', 'submitted']).hideHelp()),
  ).action(async (options: NodeOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    if (options.rpc === undefined) {
      const { NodeConfigError } = await import('../../prover/node/runNode.ts')
      throw new NodeConfigError({ option: '--rpc', reason: 'a node needs a JSON-RPC chain shared with the hosts that record inferences' })
    }
    const chain = chainTargetOf(options)
    const [{ runProverNode }, { checkQuerySource }] = await Promise.all([import('../../prover/app/runProverNode.ts'), import('../../prover/node/queryShare.ts')])
    // SIGINT/SIGTERM stop the node gracefully once it runs; before that they end the process as usual.
    let stop = () => {}
    const onSignal = () => stop()
    try {
      const summary = await runProverNode({
        home: opts.home, buildDir: opts.buildDir, chain, models: options.model, datanet: options.datanet, circuitSet: circuitSetOf(options.circuit),
        fromBlock: options.fromBlock, pollMs: options.pollMs, workers: options.workers, scoring: options.scoring, provider: options.provider, metricsPort: options.metricsPort, untilIdle: options.untilIdle,
        settlement: options.settlement, validate: options.validate, claim: options.claim, prove: options.prove, querySources: options.querySource?.map(checkQuerySource), system: options.system, crashAt: crashAtOf(options), log: note, onProgress: progressLine,
        onStarted: (node) => {
          stop = () => node.stop()
          process.once('SIGINT', onSignal)
          process.once('SIGTERM', onSignal)
          if (node.metricsUrl) note(`metrics: ${node.metricsUrl}`)
        },
      })
      printResult(opts, summary, () => `node stopped: ${summary.done} settled (${summary.claimed} claimed), ${summary.dropped} dropped, ${summary.failed} failed` +
        (summary.validator ? `; ${summary.validator.audits} settlements audited, ${summary.validator.challenges} challenged, ${summary.validator.bondsWonWei} wei of bonds won` : ''))
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  })
}
