import { Option, type Command } from 'commander'
import { formatEther } from 'ethers'
import { connectChain, readJournal, ChainConfigError, type ChainTarget, type PoaChain } from '../../prover/chain/index.ts'
import { note, printResult, progressLine, type OutputOptions } from '../output.ts'
import { join } from 'node:path'

/** Options every chain-touching command takes: no --rpc means the embedded chain in <home>/chain. */
export type ChainCliOptions = { rpc?: string; privateKey?: string; keystore?: string }

/** Add --rpc, --private-key (env POA_PRIVATE_KEY) and --keystore to a command. */
export function addChainOptions(command: Command): Command {
  return command
    .option('--rpc <url>', 'JSON-RPC endpoint (default: the embedded chain in <home>/chain)')
    .addOption(new Option('--private-key <hex>', 'signing key for --rpc').env('POA_PRIVATE_KEY'))
    .option('--keystore <file>', 'encrypted JSON keystore for --rpc (password in POA_KEYSTORE_PASSWORD)')
}

/** The connectChain target the options select; the keystore password comes from the environment. */
export function chainTargetOf(options: ChainCliOptions): ChainTarget {
  if (options.rpc === undefined) {
    if (options.keystore !== undefined) throw new ChainConfigError({ option: '--keystore', reason: 'needs --rpc <url>; the embedded chain uses its own accounts' })
    // A POA_PRIVATE_KEY set in the environment is ignored on the embedded chain.
    return {}
  }
  if (options.keystore !== undefined) {
    if (options.privateKey !== undefined && process.env.POA_PRIVATE_KEY === undefined) {
      throw new ChainConfigError({ option: '--keystore', reason: 'give either --private-key or --keystore, not both' })
    }
    const password = process.env.POA_KEYSTORE_PASSWORD
    if (password === undefined) throw new ChainConfigError({ option: '--keystore', reason: 'needs its password in POA_KEYSTORE_PASSWORD' })
    return { rpc: options.rpc, keystore: options.keystore, keystorePassword: password }
  }
  if (options.privateKey === undefined) throw new ChainConfigError({ option: '--rpc', reason: 'needs --private-key <hex> (or POA_PRIVATE_KEY) or --keystore <file> to sign' })
  return { rpc: options.rpc, privateKey: options.privateKey }
}

/**
 * Connect with the command's options, run `work`, and always close the connection. The core
 * contracts are deployed on first use unless `deploy` is false.
 */
export async function withChain<T>(home: string, options: ChainCliOptions, work: (chain: PoaChain) => Promise<T>, { deploy = true }: { deploy?: boolean } = {}): Promise<T> {
  const replay = progressLine('replaying embedded chain')
  const chain = await connectChain({ home, ...chainTargetOf(options), onProgress: replay, deploy })
  try {
    return await work(chain)
  } finally {
    await chain.close()
  }
}

type GlobalOptions = OutputOptions & { home: string }

/** Registers: chain status|deploy (the embedded chain and RPC endpoints). */
export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('the embedded chain or a JSON-RPC chain: status and deployment')

  addChainOptions(
    chain.command('status').description('print chain id, block, signer and deployed contract addresses (the embedded chain deploys on first use; an RPC chain needs "poa chain deploy")'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (c) => {
      const block = await c.provider.getBlock('latest')
      const journalEntries = c.embedded ? (await readJournal(join(opts.home, 'chain', 'journal.jsonl'))).length : undefined
      const result = {
        chainId: c.chainId,
        embedded: c.embedded,
        rpc: options.rpc ?? null,
        blockNumber: block?.number ?? 0,
        blockTimestamp: block?.timestamp ?? 0,
        signer: c.signerAddress,
        balanceWei: await c.provider.getBalance(c.signerAddress),
        openBalanceWei: (await c.contracts.openToken.getFunction('balanceOf')(c.signerAddress)) as bigint,
        deploymentFile: c.deploymentFile,
        deployedAtBlock: c.deployment.deployedAtBlock,
        contracts: c.deployment.contracts,
        ...(journalEntries === undefined ? {} : { journalEntries }),
      }
      printResult(opts, result, () =>
        [
          `chain ${result.chainId} (${c.embedded ? `embedded, ${journalEntries} journal entries` : options.rpc}) at block ${result.blockNumber}`,
          `signer ${result.signer}: ${formatEther(result.balanceWei)} ETH, ${formatEther(result.openBalanceWei)} OPEN`,
          ...Object.entries(result.contracts).map(([name, address]) => `  ${name.padEnd(24)} ${address}`),
        ].join('\n'),
      )
    }, { deploy: options.rpc === undefined })
  })

  addChainOptions(
    chain.command('deploy').description('deploy DatanetRegistry, ModelRegistry and OpenToken if this chain has none yet'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (c) => {
      note(`deployment recorded in ${c.deploymentFile}`)
      const result = { chainId: c.chainId, deploymentFile: c.deploymentFile, deployer: c.deployment.deployer, contracts: c.deployment.contracts }
      printResult(opts, result, () => Object.entries(result.contracts).map(([name, address]) => `${name.padEnd(24)} ${address}`).join('\n'))
    })
  })
}
