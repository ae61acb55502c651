import { Option, type Command } from 'commander'
import { homeLayout } from '../../prover/layout/index.ts'
import { addChainOptions, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { integerOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

/** Registers: chain serve|start|stop|status|deploy|accounts|mine (the embedded chain, a shared node, RPC endpoints). */
export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('the embedded chain, a shared local chain node, or a JSON-RPC chain: serve, status and deployment')

  const portOption = () => new Option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)').env('POA_CHAIN_PORT').argParser(integerOption('--port', 0, 65535)).default(8545)
  const renderNode = (n: { url: string; chainId: string | bigint; pid: number; accounts: { index: number; address: string; privateKey: string }[] }) =>
    [
      `poa chain node (pid ${n.pid}) serving chain ${n.chainId} at ${n.url}`,
      'development accounts (public keys of the Hardhat test mnemonic: local use only):',
      ...n.accounts.slice(0, 10).map((a) => `  ${String(a.index).padStart(2)} ${a.address} ${a.privateKey}`),
      `other processes: poa <command> --rpc ${n.url} --private-key <key>; commands in this home use the node by themselves`,
    ].join('\n')

  chain.command('serve').description("serve this home's chain over JSON-RPC in the foreground until interrupted (state kept in the home's journal)")
    .addOption(portOption())
    .action(async (options: { port: number }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { serveChain } = await import('../../prover/app/chainNode.ts')
      const node = await serveChain({ home: opts.home, port: options.port, onProgress: (label) => progressLine(label) })
      printResult(opts, { url: node.url, chainId: node.chainId, pid: process.pid, accounts: node.accounts, contracts: node.deployment.contracts }, () => renderNode({ ...node, pid: process.pid }), () => node.url)
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      note('stopping: closing the chain journal')
      await node.close()
    })

  chain.command('start').description("start a shared local chain node for this home in the background (JSON-RPC on 127.0.0.1, state on disk across restarts) and print its URL and funded development accounts")
    .addOption(portOption())
    .action(async (options: { port: number }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { startChainNode } = await import('../../prover/app/chainNode.ts')
      const started = await startChainNode({ home: opts.home, buildDir: opts.buildDir, port: options.port, command: [process.execPath, process.argv[1]], log: note })
      if (started.alreadyRunning) note(`already running (log: ${started.logFile})`)
      printResult(opts, started, () => renderNode(started), () => started.url)
    })

  chain.command('stop').description("stop the chain node serving this home (its journal keeps the state for the next start)")
    .action(async (_options: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { stopChainNode } = await import('../../prover/app/chainNode.ts')
      const result = await stopChainNode({ home: opts.home })
      printResult(opts, result, () => (result.stopped ? `stopped the chain node (pid ${result.pid})` : 'no chain node serves this home'))
    })

  addChainOptions(
    chain.command('status').description('print chain id, block, signer and deployed contract addresses (the embedded chain deploys on first use; an RPC chain needs "poa chain deploy")'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { formatEther } = await import('ethers')
    const { readJournal } = await import('../../prover/chain/journal.ts')
    await withChain(opts, options, async (c) => {
      const block = await c.provider.getBlock('latest')
      const journalEntries = c.embedded ? (await readJournal(homeLayout(opts.home).chainJournal)).length : undefined
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
    }, { deploy: options.rpc === undefined, readOnly: true })
  })

  addChainOptions(
    chain.command('deploy').description('deploy DatanetRegistry, ModelRegistry and OpenToken if this chain has none yet'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts, options, async (c) => {
      note(`deployment recorded in ${c.deploymentFile}`)
      const result = { chainId: c.chainId, deploymentFile: c.deploymentFile, deployer: c.deployment.deployer, contracts: c.deployment.contracts }
      printResult(opts, result, () => Object.entries(result.contracts).map(([name, address]) => `${name.padEnd(24)} ${address}`).join('\n'))
    })
  })

  addChainOptions(
    chain.command('accounts').description('list the accounts this node can sign with (embedded: the 20 Hardhat dev accounts; RPC: the signer) and their balances'),
  ).action(async (options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { formatEther } = await import('ethers')
    await withChain(opts, options, async (c) => {
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
      .command('mine')
      .argument('<blocks>', 'how many blocks', integerOption('<blocks>', 1, 10_000_000))
      .description('the embedded chain or a poa chain node (--rpc) only: mine empty blocks (journaled), e.g. to pass a voting period or a challenge window')
      .option('--interval <seconds>', 'seconds between the mined blocks', integerOption('--interval', 1, 100 * 365 * 86_400), 1),
  ).action(async (blocks: number, options: ChainCliOptions & { interval: number }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const intervalSeconds = options.interval
    // Any process may move a shared poa chain node's clock (hardhat_mine needs no signature); another
    // JSON-RPC chain mines its own blocks, and connectChain's mine says so.
    await withChain(opts, options, async (c) => {
      await c.mine({ blocks, intervalSeconds })
      const block = await c.provider.getBlock('latest')
      const result = { blocks, intervalSeconds, blockNumber: block?.number ?? 0, blockTimestamp: block?.timestamp ?? 0 }
      printResult(opts, result, () => `mined ${blocks} blocks; now at block ${result.blockNumber} (${new Date(result.blockTimestamp * 1000).toISOString()})`)
    }, { readOnly: options.rpc !== undefined })
  })
}
