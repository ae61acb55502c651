import type { Command } from 'commander'
import { inferenceIdOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

/**
 * Registers:
 *   poa prove --input <witness-parameters.json> [--out <package.json>] [--inference-id <0x..>]
 *   poa verify <proof-package> [--vkey <verification-key.json>]   (exit 4 when the proof fails)
 * `--input` holds buildAttributionWitness's parameters (as test/vectors/attribution_tiny.json's
 * `parameters`); proving from an inference id through the chain and the index is the node's job.
 */
export function registerProveCommands(program: Command): void {
  program
    .command('prove')
    .description('prove an attribution (Groth16, INSECURE dev keys) from witness parameters and write a proof package')
    .requiredOption('--input <file>', 'witness parameters JSON: params, settlementId, roots, query, pool, candidates with proofs')
    .option('--out <file>', 'where to write the proof package (default: print it)')
    .option('--inference-id <id>', 'the inference settled, recorded in the package', inferenceIdOption('--inference-id'))
    .action(async (options: { input: string; out?: string; inferenceId?: string }, command: Command) => {
      const opts = command.optsWithGlobals() as GlobalOptions
      const { proveFromParameters } = await import('../../prover/app/proveFromParameters.ts')
      const controller = new AbortController()
      const abort = () => controller.abort()
      process.once('SIGINT', abort)
      try {
        const pkg = await proveFromParameters({ input: options.input, inferenceId: options.inferenceId, buildDir: opts.buildDir, log: note, onProgress: progressLine, signal: controller.signal })
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
