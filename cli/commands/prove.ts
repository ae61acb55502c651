import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { PoaError, jsonSafe } from '../../prover/errors/index.ts'
import { buildAttributionWitness, parseWitnessParameters } from '../../prover/witness/index.ts'
import { compileCircuit } from '../../prover/proof/compileCircuit.ts'
import { buildLayout } from '../../prover/layout/index.ts'
import { attributionSpec } from '../../prover/proof/circuitParams.ts'
import { proveAttribution } from '../../prover/proof/proveAttribution.ts'
import { verifyProofPackage } from '../../prover/proof/verifyProofPackage.ts'
import { ProofRejectedError } from '../../prover/proof/errors.ts'
import { ensureDevKeys } from '../../ceremony/devSetup.ts'
import { note, printResult, progressLine, type OutputOptions } from '../output.ts'

/** A file named on the command line cannot be read or is not JSON. */
export class InputFileError extends PoaError {
  constructor({ file, reason }: { file: string; reason: string }) {
    super('INPUT_FILE_UNREADABLE', 'BAD_INPUT', `${file}: ${reason}`, { meta: { file } })
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new InputFileError({ file, reason: `cannot be read (${(cause as Error).message})` })
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new InputFileError({ file, reason: `is not JSON (${(cause as Error).message})` })
  }
}

function parseInferenceId(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`inference id expected 0x followed by 64 hex digits, got "${value}"`)
  return value.toLowerCase()
}

/** The dev verification key `poa prove` leaves beside the compiled circuit. */
function defaultVkeyPath(circuitName: string): string {
  return buildLayout().devVkeyPath(circuitName)
}

/**
 * Registers:
 *   poa prove --input <witness-parameters.json> [--out <package.json>] [--inference-id <0x..>]
 *   poa verify <proof-package> [--vkey <verification-key.json>]   (exit 4 when the proof fails)
 * `--input` holds buildAttributionWitness's parameters (as test/vectors/attribution_tiny.json's
 * `parameters`); proving from an inference id through the chain and the index is not wired yet.
 */
export function registerProveCommands(program: Command): void {
  program
    .command('prove')
    .description('prove an attribution (Groth16, INSECURE dev keys) from witness parameters and write a proof package')
    .requiredOption('--input <file>', 'witness parameters JSON: params, settlementId, roots, query, pool, candidates with proofs')
    .option('--out <file>', 'where to write the proof package (default: print it)')
    .option('--inference-id <id>', 'the inference settled, recorded in the package', parseInferenceId)
    .action(async (options: { input: string; out?: string; inferenceId?: string }, command: Command) => {
      const global = command.optsWithGlobals() as OutputOptions
      const parameters = parseWitnessParameters(await readJson(options.input))
      const witness = await buildAttributionWitness(parameters)
      const circuit = await compileCircuit(attributionSpec(parameters.params), note)
      const keys = await ensureDevKeys(circuit, note)
      const controller = new AbortController()
      const abort = () => controller.abort()
      process.once('SIGINT', abort)
      try {
        const pkg = await proveAttribution({
          circuit,
          keys,
          params: parameters.params,
          witness,
          queryInputHash: parameters.query.inputHash,
          inferenceId: options.inferenceId,
          onProgress: progressLine(`proving ${circuit.name}`),
          signal: controller.signal,
        })
        if (options.out) {
          await writeFile(options.out, `${JSON.stringify(pkg, null, 1)}\n`)
          note(`proof package written to ${options.out}`)
        }
        printResult(global, options.out ? { file: options.out, circuit: pkg.circuit.name, publicInputs: pkg.publicInputs } : pkg, () =>
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
      const global = command.optsWithGlobals() as OutputOptions
      const pkg = (await readJson(file)) as any
      const name = typeof pkg?.circuit?.name === 'string' ? pkg.circuit.name : undefined
      const vkeyPath = options.vkey ?? (name ? defaultVkeyPath(name) : undefined)
      if (!vkeyPath || !existsSync(vkeyPath)) {
        throw new InputFileError({ file: vkeyPath ?? '(verification key)', reason: 'no verification key: pass --vkey, or prove once so the dev key exists' })
      }
      const result = await verifyProofPackage(pkg, (await readJson(vkeyPath)) as any)
      if (!result.valid) throw new ProofRejectedError({ circuit: result.circuit, reason: `does not verify against ${vkeyPath}` })
      printResult(global, { valid: true, circuit: result.circuit, publicInputs: pkg.publicInputs }, () => `valid: ${result.circuit} proof (${vkeyPath})`)
    })
}
