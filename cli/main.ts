import { Command, CommanderError } from 'commander'
import { reportError, EXIT_CODES } from './output.ts'
import { registerCommands } from './commands/index.ts'

/**
 * The `poa` command line. Global options: `--json` (machine-readable stdout), `--home <dir>`
 * (where datanets, models, indexes and proofs live; env POA_HOME, default ./.poa).
 */
const program = new Command()
  .name('poa')
  .description('Zero-knowledge Proof-of-Attribution node')
  .option('--json', 'print results as JSON on stdout')
  .option('--home <dir>', 'poa data directory', process.env.POA_HOME ?? '.poa')
  .exitOverride()
  .showHelpAfterError()

registerCommands(program)

try {
  await program.parseAsync(process.argv)
  process.exitCode ??= EXIT_CODES.OK
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE
  } else {
    process.exitCode = reportError(error, program.opts())
  }
}
