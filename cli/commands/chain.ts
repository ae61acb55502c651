import type { Command } from 'commander'
import { homeLayout } from '../../prover/layout/index.ts'
import { addChainOptions, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { integerOption, type GlobalOptions } from '../options.ts'
import { note, printResult } from '../output.ts'

/** Registers: chain status|deploy|accounts|mine (the embedded chain and RPC endpoints). */
export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('the embedded chain or a JSON-RPC chain: status and deployment')

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
    }, { deploy: options.rpc === undefined })
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
      .description('embedded chain only: mine empty blocks (journaled), e.g. to pass a voting period')
      .option('--interval <seconds>', 'seconds between the mined blocks', integerOption('--interval', 1, 100 * 365 * 86_400), 1),
  ).action(async (blocks: number, options: ChainCliOptions & { interval: number }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const intervalSeconds = options.interval
    if (options.rpc !== undefined) {
      const { ChainConfigError } = await import('../../prover/chain/chainErrors.ts')
      throw new ChainConfigError({ option: 'chain mine', reason: 'only the embedded chain can mine blocks on demand' })
    }
    await withChain(opts, options, async (c) => {
      await c.mine({ blocks, intervalSeconds })
      const block = await c.provider.getBlock('latest')
      const result = { blocks, intervalSeconds, blockNumber: block?.number ?? 0, blockTimestamp: block?.timestamp ?? 0 }
      printResult(opts, result, () => `mined ${blocks} blocks; now at block ${result.blockNumber} (${new Date(result.blockTimestamp * 1000).toISOString()})`)
    })
  })
}
