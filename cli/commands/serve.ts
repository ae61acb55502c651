import { Option, type Command } from 'commander'
import { CIRCUIT_SET_NAMES, type CircuitSetName } from '../../prover/proof/circuitParams.ts'
import { checkBindHost, DEFAULT_SERVE_HOST } from '../../prover/serve/bindHost.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { integerOption, type GlobalOptions } from '../options.ts'
import { note, printResult } from '../output.ts'

type ServeOptions = ChainCliOptions & { host: string; port: number; allowRemote?: boolean; circuit: CircuitSetName; maxUploadBytes?: number; workers?: number }

/** Registers: serve (the ModelFactory dashboard). fastify is loaded by the action only. */
export function registerServeCommands(program: Command): void {
  addChainOptions(
    program.command('serve').description('the ModelFactory web dashboard: datanets, fine-tuning, paid questions with their proven attribution, rewards (runs until SIGINT/SIGTERM)')
      .option('--host <address>', 'listen address (loopback only unless --allow-remote)', DEFAULT_SERVE_HOST)
      .option('--port <port>', 'TCP port (0: a free one)', integerOption('--port', 0, 65535), 8787)
      .option('--allow-remote', "listen on a non-loopback --host: whoever reaches the port acts with this node's key")
      .addOption(new Option('--circuit <set>', 'circuit parameter set that proves inferences (its k and depth fix models and datanets)').choices(CIRCUIT_SET_NAMES).default('tiny'))
      .option('--max-upload-bytes <n>', 'largest Datanet upload (default 16 MiB)', integerOption('--max-upload-bytes', 1, 1 << 30))
      .option('--workers <n>', 'scoring threads per inference (default: min(4, cores))', integerOption('--workers', 1, 256)),
  ).action(async (options: ServeOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    // Refused before the chain or the server load: nothing listens on a remote address by accident.
    checkBindHost({ host: options.host, allowRemote: options.allowRemote })
    const chain = chainTargetOf(options)
    const { startDashboard } = await import('../../prover/serve/startDashboard.ts')
    const started = await startDashboard({
      home: opts.home, buildDir: opts.buildDir, host: options.host, port: options.port, allowRemote: options.allowRemote,
      rpc: chain.rpc === undefined ? undefined : chain, circuitSet: options.circuit, maxUploadBytes: options.maxUploadBytes, workers: options.workers, log: note,
    })
    printResult(opts, { url: started.url, chain: started.chain }, () => `poa serve: dashboard at ${started.url} (chain ${started.chain.chainId} at ${started.chain.url}, served by ${started.chain.served}; signing as ${started.chain.signerAddress})`, () => started.url)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    note('poa serve: stopping (the running job finishes first)')
    await started.close()
  })
}
