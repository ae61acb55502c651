import { Command, CommanderError, Option } from 'commander'
import { reportError, reportUsageError, EXIT_CODES } from './output.ts'
import { registerCommands } from './commands/index.ts'
import { readFileSync } from 'node:fs'
import { packagePath } from '../prover/layout/index.ts'

/**
 * The `poa` command line: the edge. It is the only place that reads POA_HOME and POA_BUILD_DIR;
 * commands parse their flags with cli/options.ts, call prover/app and render. Global options:
 * `--json` (machine-readable stdout), `--quiet` (only the id a command makes), `--home <dir>` (env POA_HOME, default ./.poa), `--build-dir
 * <dir>` (env POA_BUILD_DIR, default <package>/build). Command modules load nothing heavy until
 * their action runs, so `poa --help` loads commander and the command definitions only.
 */
const json = process.argv.includes('--json')
const program = new Command()
  .name('poa')
  .description('Zero-knowledge Proof-of-Attribution node')
  .addHelpText('after', '\n`poa --version` (or -V) prints the version.')
  .option('--json', 'print results as JSON on stdout')
  .option('-q, --quiet', 'print only the identifier a command makes (inference id, model id, proposal id, node URL), for X=$(poa -q ...)')
  .addOption(new Option('--home <dir>', 'poa data directory').env('POA_HOME').default('.poa'))
  .addOption(new Option('--build-dir <dir>', 'build folder: compiled circuits, dev keys, dev ptau (default <package>/build)').env('POA_BUILD_DIR'))
  .exitOverride()
  // Under --json commander's own messages (unknown option, missing argument...) become one JSON line on stdout.
  .configureOutput({ outputError: (text, write) => (json ? undefined : write(text)) })
  .showHelpAfterError(!json)

registerCommands(program)

// `--version` only as the first argument: commander's program-level version option would also
// swallow `datanet commit --version <n>`.
const first = process.argv[2]
if ((first === '--version' || first === '-V') && process.argv.length === 3) {
  process.stdout.write(`${(JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version}\n`)
  process.exit(0)
}

try {
  await program.parseAsync(process.argv)
  process.exitCode ??= EXIT_CODES.OK
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT_CODES.OK : reportUsageError(error, { json })
  } else {
    process.exitCode = reportError(error, { json: json || program.opts().json })
  }
}
