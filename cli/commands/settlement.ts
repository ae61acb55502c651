import { Option, type Command } from 'commander'
import { CIRCUIT_SET_NAMES, type CircuitSetName } from '../../prover/proof/circuitParams.ts'
import { PROOF_SYSTEM_NAMES, type ProofSystemName } from '../../prover/proof/proofSystemNames.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { integerOption, openAmountOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

/** Registers: settlement deploy. */
export function registerSettlementCommands(program: Command): void {
  const settlement = program.command('settlement').description('the proof-gated settlement contract')
  addChainOptions(
    settlement.command('deploy').description('deploy AttributionSettlement and the verifier of a circuit (INSECURE dev keys)')
      .addOption(new Option('--circuit <set>', 'circuit parameter set').choices(CIRCUIT_SET_NAMES).default('tiny'))
      .addOption(new Option('--system <name>', "the verifier's proof system: groth16, or ultrahonk (the Noir program's; about 2.1M gas a verification, with the Noir challenge program's verifier)").choices(PROOF_SYSTEM_NAMES).default('groth16'))
      .option('--challenge-window <seconds>', 'how long a settlement can be challenged before claims open (default 3600; 0 turns the game off)', integerOption('--challenge-window', 0, 2 ** 32 - 1))
      .option('--bond <OPEN>', 'OPEN a settlement locks from its sender, lost to a successful challenge (default 10)', openAmountOption('--bond', { allowZero: true }))
      .option('--challenger-share <percent>', "a successful challenger's share of the bond, the rest to the treasury (default 50)", integerOption('--challenger-share', 0, 100)),
  ).action(async (options: ChainCliOptions & { circuit: CircuitSetName; system: ProofSystemName; challengeWindow?: number; bond?: bigint; challengerShare?: number }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const chain = chainTargetOf(options)
    const { deployDevSettlement } = await import('../../prover/app/deployDevSettlement.ts')
    const { DEFAULT_CHALLENGE_GAME } = await import('../../prover/clients/settlementDeploy.ts')
    const game = {
      windowSeconds: options.challengeWindow ?? DEFAULT_CHALLENGE_GAME.windowSeconds,
      bondWei: options.bond ?? DEFAULT_CHALLENGE_GAME.bondWei,
      challengerBps: options.challengerShare === undefined ? DEFAULT_CHALLENGE_GAME.challengerBps : options.challengerShare * 100,
    }
    const result = await deployDevSettlement({ home: opts.home, buildDir: opts.buildDir, chain, circuitSet: options.circuit, system: options.system, game, log: note, onProgress: progressLine })
    printResult(opts, result, () =>
      [`AttributionSettlement ${result.settlement}`, ...Object.entries(result.verifiers).map(([n, a]) => `verifier ${n} ${a}`)].join('\n'), () => result.settlement)
  })
}
