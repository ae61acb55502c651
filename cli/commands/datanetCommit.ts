import { Command } from 'commander'
import { openDatanetStore, DatanetParameterError } from '../../prover/datanet/index.ts'
import { commitDatanetVersion } from '../../prover/clients/index.ts'
import { addChainOptions, withChain, type ChainCliOptions } from './chain.ts'
import { note, printResult, progressLine, type OutputOptions } from '../output.ts'

type GlobalOptions = OutputOptions & { home: string }
type CommitOptions = ChainCliOptions & { version?: string; contentUri?: string; chainDatanet?: string }

const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`

function positiveInt(name: string, text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new DatanetParameterError({ name, value: text, expected: 'an integer >= 1' })
  return Number(text)
}

/** Registers: datanet commit (adds itself to the datanet command, creating that command if absent). */
export function registerDatanetCommitCommands(program: Command): void {
  const datanet = program.commands.find((c) => c.name() === 'datanet') ?? program.command('datanet').description('datanets')
  addChainOptions(
    datanet
      .command('commit <datanet>')
      .description("commit a datanet version's root on-chain (earlier uncommitted versions first) and record the transaction")
      .option('--version <n>', 'local version to commit (default: latest)')
      .option('--content-uri <uri>', 'where the version\'s records can be fetched (default poa://datanet/<name>/v<n>)')
      .option('--chain-datanet <id>', 'on-chain datanet id (default: the one this signer created for the name, else a new one)'),
  ).action(async (ref: string, options: CommitOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const version = options.version === undefined ? undefined : positiveInt('--version', options.version)
    const chainDatanetId = options.chainDatanet === undefined ? undefined : BigInt(positiveInt('--chain-datanet', options.chainDatanet))
    const store = openDatanetStore({ home: opts.home })
    try {
      // Check the datanet and version locally before starting a chain.
      const target = store.getVersion(store.getDatanet(ref).id, version)
      const result = await withChain(opts.home, options, (chain) =>
        commitDatanetVersion({ chain, store, datanet: ref, version: target.version, contentURI: options.contentUri, chainDatanetId, onProgress: progressLine('committing versions') }),
      )
      if (result.createdOnChain) note(`created on-chain datanet ${result.chainDatanetId} for "${result.datanet.name}"`)
      printResult(opts, result, () =>
        result.commits
          .map((c) => `v${c.version}: root ${hex(c.root)} ${c.alreadyCommitted ? 'already on-chain' : 'committed'} in tx ${c.txHash} (block ${c.blockNumber})`)
          .concat(`datanet "${result.datanet.name}" is on-chain datanet ${result.chainDatanetId} of registry ${result.registry} (chain ${result.chainId})`)
          .join('\n'),
      )
    } finally {
      store.close()
    }
  })
}
