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

function intOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ChainConfigError({ option: name, reason: `expected an integer in [${min}, ${max}], got ${JSON.stringify(text)}` })
  }
  return Number(text)
}

/** Registers: chain status|deploy|accounts|mine (the embedded chain and RPC endpoints). */
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

  addChainOptions(
    chain.command('accounts').description('list the accounts this node can sign with (embedded: the 20 Hardhat dev accounts; RPC: the signer) and their balances'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (c) => {
      const signers = c.embedded ? Array.from({ length: 20 }, (_, i) => c.getSigner(i)) : [c.signer]
      const accounts: Array<{ index: number; address: string; balanceWei: bigint; openBalanceWei: bigint }> = []
      for (const [index, signer] of signers.entries()) {
        const address = await signer.getAddress()
        accounts.push({
          index,
          address,
          balanceWei: await c.provider.getBalance(address),
          openBalanceWei: (await c.contracts.openToken.getFunction('balanceOf')(address)) as bigint,
        })
      }
      printResult(opts, { chainId: c.chainId, embedded: c.embedded, accounts }, () =>
        accounts.map((a) => `${String(a.index).padStart(2)} ${a.address} ${formatEther(a.balanceWei)} ETH ${formatEther(a.openBalanceWei)} OPEN`).join('\n'),
      )
    }, { deploy: options.rpc === undefined })
  })

  addChainOptions(
    chain
      .command('mine <blocks>')
      .description('embedded chain only: mine empty blocks (journaled), e.g. to pass a voting period')
      .option('--interval <seconds>', 'seconds between the mined blocks', '1'),
  ).action(async (blocksText: string, options: ChainCliOptions & { interval: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const blocks = intOption('<blocks>', blocksText, 1, 10_000_000)
    const intervalSeconds = intOption('--interval', options.interval, 1, 100 * 365 * 86_400)
    if (options.rpc !== undefined) throw new ChainConfigError({ option: 'chain mine', reason: 'only the embedded chain can mine blocks on demand' })
    await withChain(opts.home, options, async (c) => {
      await c.mine({ blocks, intervalSeconds })
      const block = await c.provider.getBlock('latest')
      const result = { blocks, intervalSeconds, blockNumber: block?.number ?? 0, blockTimestamp: block?.timestamp ?? 0 }
      printResult(opts, result, () => `mined ${blocks} blocks; now at block ${result.blockNumber} (${new Date(result.blockTimestamp * 1000).toISOString()})`)
    })
  })
}
