import { Option, type Command } from 'commander'
import { PROOF_SYSTEM_NAMES, type ProofSystemName } from '../../prover/proof/proofSystemNames.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { addressOption, circuitAutoOption, circuitSetOf, exactlyOne, type GlobalOptions, inferenceIdOption, integerOption, scoringOption } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

/**
 * Registers:
 *   poa prove --input <witness-parameters.json> [--out <package.json>] [--inference-id <0x..>]
 *   poa verify <proof-package> [--vkey <verification-key.json>]   (exit 4 when the proof fails)
 * `--input` holds buildAttributionWitness's parameters (as test/vectors/attribution_tiny.json's
 * `parameters`); proving from an inference id through the chain and the index is the node's job.
 */
export function registerProveCommands(program: Command): void {
  addChainOptions(program
    .command('prove')
    .description('prove a recorded inference from the chain, this home\'s datanet copy, model and index (Groth16 or UltraHonk, INSECURE dev keys), or an attribution from witness parameters; write a proof package')
    .argument('[inference-id]', 'a pending inference: its package goes to <home>/proofs/<id>.json (what `poa settle <id>` reads)', inferenceIdOption('[inference-id]'))
    .option('--input <file>', 'instead: witness parameters JSON (params, settlementId, roots, query, pool, candidates with proofs)')
    .option('--out <file>', 'where to write the proof package (default: <home>/proofs/<id>.json for an inference id, else print it)')
    .option('--inference-id <id>', 'with --input: the inference settled, recorded in the package', inferenceIdOption('--inference-id'))
    .addOption(circuitAutoOption('circuit parameter set whose keys prove it (its id must be the recorded one)'))
    .addOption(new Option('--system <name>', 'proof system: groth16 (circom, snarkjs) or ultrahonk (the Noir version, bb.js); its circuit id must be the recorded one').choices(PROOF_SYSTEM_NAMES).default('groth16'))
    .option('--prover <address>', 'the prover-fee recipient the proof binds (default: the signer, who sends settle)', addressOption('--prover'))
    .option('--workers <n>', 'scoring threads (default 1)', integerOption('--workers', 1, 64))
    .addOption(scoringOption())
    .addOption(new Option('--provider <p>', 'onnxruntime execution provider of the scoring (--scoring auto|onnx); cuda falls back').choices(['auto', 'cuda', 'cpu']).default('auto'))
    .option('--class <label>', 'with an inference id: the class its commitment must attribute (default: the one it carries, found by trying each class)'),
  ).action(async (inferenceArg: string | undefined, options: ChainCliOptions & { input?: string; out?: string; inferenceId?: string; circuit: string; system: ProofSystemName; prover?: string; workers?: number; class?: string; scoring: 'auto' | 'native' | 'onnx'; provider: 'auto' | 'cuda' | 'cpu' }, command: Command) => {
      const opts = command.optsWithGlobals() as GlobalOptions
      exactlyOne('<inference-id>/--input', inferenceArg, options.input)
      const controller = new AbortController()
      const abort = () => controller.abort()
      process.once('SIGINT', abort)
      if (inferenceArg !== undefined) {
        try {
          const { proveInference } = await import('../../prover/app/proveInference.ts')
          const proved = await proveInference({
            home: opts.home, buildDir: opts.buildDir, chain: chainTargetOf(options), inferenceId: inferenceArg, circuitSet: circuitSetOf(options.circuit), system: options.system, out: options.out,
            prover: options.prover, workers: options.workers, scoring: options.scoring, provider: options.provider, target: options.class, log: note, onProgress: progressLine, signal: controller.signal,
          })
          const result = { inferenceId: proved.inferenceId, file: proved.file, modelId: proved.modelId, circuit: proved.pkg.circuit.name, candidates: proved.candidates, scoringMs: proved.scoringMs, provingMs: proved.provingMs, prover: proved.prover, witnessGenerator: proved.witnessGenerator }
          printResult(opts, result, () => `proved inference ${proved.inferenceId} (model ${proved.modelId}, ${proved.candidates} candidates, ${(proved.provingMs / 1000).toFixed(1)} s by ${proved.prover}${proved.proverNote ? `: ${proved.proverNote}` : ''}${proved.witnessGenerator ? `, witness by ${proved.witnessGenerator}${proved.witnessNote ? `: ${proved.witnessNote}` : ''}` : ''}): ${proved.file}; settle it with \`poa settle ${proved.inferenceId}\``, () => proved.file)
        } finally {
          process.off('SIGINT', abort)
        }
        return
      }
      const { proveFromParameters } = await import('../../prover/app/proveFromParameters.ts')
      try {
        const pkg = await proveFromParameters({ input: options.input!, inferenceId: options.inferenceId, buildDir: opts.buildDir, log: note, onProgress: progressLine, signal: controller.signal })
        if (options.out) {
          const { writeFile } = await import('node:fs/promises')
          await writeFile(options.out, `${JSON.stringify(pkg, null, 1)}\n`)
          note(`proof package written to ${options.out}`)
        }
        const { jsonSafe } = await import('../../prover/errors/index.ts')
        printResult(opts, options.out ? { file: options.out, circuit: pkg.circuit.name, publicInputs: pkg.publicInputs } : pkg, () =>
          options.out ? `proved ${pkg.circuit.name}: ${options.out}` : JSON.stringify(jsonSafe(pkg), null, 1),
        )
      } finally {
        process.off('SIGINT', abort)
      }
    })

  program
    .command('verify')
    .description('verify a proof package against its verification key (exit 4 when it does not verify)')
    .argument('<proof-package>', 'proof package JSON written by poa prove')
    .option('--vkey <file>', 'Groth16 verification key JSON (default: the dev key beside the compiled circuit)')
    .action(async (file: string, options: { vkey?: string }, command: Command) => {
      const opts = command.optsWithGlobals() as GlobalOptions
      const { verifyProofFile } = await import('../../prover/app/verifyProofFile.ts')
      const result = await verifyProofFile({ file, vkey: options.vkey, buildDir: opts.buildDir })
      printResult(opts, { valid: true, circuit: result.circuit, publicInputs: result.publicInputs }, () => `valid: ${result.circuit} proof (${result.vkeyPath})`)
    })
}
