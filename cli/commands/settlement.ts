import { Option, type Command } from 'commander'
import { CIRCUIT_SET_NAMES, type CircuitSetName } from '../../prover/proof/circuitParams.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import type { GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

/** Registers: settlement deploy. */
export function registerSettlementCommands(program: Command): void {
  const settlement = program.command('settlement').description('the proof-gated settlement contract')
  addChainOptions(
    settlement.command('deploy').description('deploy AttributionSettlement and the verifier of a circuit (INSECURE dev keys)')
      .addOption(new Option('--circuit <set>', 'circuit parameter set').choices(CIRCUIT_SET_NAMES).default('tiny')),
  ).action(async (options: ChainCliOptions & { circuit: CircuitSetName }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const chain = chainTargetOf(options)
    const { deployDevSettlement } = await import('../../prover/app/deployDevSettlement.ts')
    const result = await deployDevSettlement({ home: opts.home, buildDir: opts.buildDir, chain, circuitSet: options.circuit, log: note, onProgress: progressLine })
    printResult(opts, result, () =>
      [`AttributionSettlement ${result.settlement}`, ...Object.entries(result.verifiers).map(([n, a]) => `verifier ${n} ${a}`)].join('\n'), () => result.settlement)
  })
}
