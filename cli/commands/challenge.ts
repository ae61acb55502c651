import { Option, type Command } from 'commander'
import { PROOF_SYSTEM_NAMES, type ProofSystemName } from '../../prover/proof/proofSystemNames.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { circuitAutoOption, circuitSetOf, type GlobalOptions, inferenceIdOption, integerOption } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

type ChallengeOptions = ChainCliOptions & { circuit: string; system: ProofSystemName; record?: number; dryRun?: boolean }

/** Registers: challenge <inference-id> (the validator's fraud proof against a settlement). */
export function registerChallengeCommands(program: Command): void {
  addChainOptions(
    program.command('challenge').description("check a settlement inside its challenge window and, when a record it left out scores above its threshold, prove it and cancel the settlement (the challenger takes its share of the bond)")
      .argument('<inference-id>', 'the settled inference', inferenceIdOption('<inference-id>'))
      .addOption(circuitAutoOption('circuit parameter set the inference was proven with'))
      .addOption(new Option('--system <name>', 'proof system the inference was settled with: groth16 or ultrahonk (its challenge circuit in that system proves the fault)').choices(PROOF_SYSTEM_NAMES).default('groth16'))
      .option('--record <position>', 'challenge with this datanet position (default: the best-scoring record the settlement left out)', integerOption('--record', 0, 2 ** 32 - 1))
      .option('--dry-run', 'find and prove the fault, but send nothing'),
  ).action(async (inferenceId: string, options: ChallengeOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ challengeInference }, { formatEther }] = await Promise.all([import('../../prover/app/challengeInference.ts'), import('ethers')])
    const result = await challengeInference({
      home: opts.home, buildDir: opts.buildDir, chain: chainTargetOf(options), inferenceId, circuitSet: circuitSetOf(options.circuit), system: options.system, position: options.record, dryRun: options.dryRun,
      log: note, onProgress: progressLine,
    })
    printResult(opts, result, () => {
      switch (result.kind) {
        case 'challenged':
          return `challenged ${inferenceId}: record ${result.position} scores ${result.score} > threshold ${result.threshold} and was not paid (paid: [${result.paidPositions.join(', ')}]); the settlement is cancelled, ${formatEther(result.toChallengerWei!)} OPEN of its bond credited to the challenger (tx ${result.txHash}, ${result.gasUsed} gas)`
        case 'proved':
          return `fault found and proven (dry run, nothing sent): record ${result.position} scores ${result.score} > threshold ${result.threshold}, paid: [${result.paidPositions.join(', ')}]`
        default:
          return `${inferenceId}: ${result.reason}`
      }
    }, () => result.kind)
    // A settlement that stands is a finding, not an error; a fault proven but not sent (dry run) too.
    if (result.kind === 'none') process.exitCode = 3
  })
}
