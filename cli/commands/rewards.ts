import type { Command } from 'commander'
import { addChainOptions, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { accountOption, addressOption, inferenceIdOption, openAmountOption, type GlobalOptions } from '../options.ts'
import { printResult } from '../output.ts'

type AccountOption = { account?: number | string }
const accountFlag = (what: string) => ['--account <n|key>', `${what}: Hardhat index on the embedded chain, or a private key`, accountOption('--account')] as const
const clients = () => import('../../prover/clients/settlementClient.ts')
const app = () => import('../../prover/app/settlementAddress.ts')

/** Registers: rewards balance|claim|withdraw|deposit. */
export function registerRewardsCommands(program: Command): void {
  const rewards = program.command('rewards').description('credited OPEN: claim, balance, withdraw')
  addChainOptions(
    rewards.command('balance').description('withdrawable OPEN of an account')
      .option('--address <address>', 'whose balance (default: the signer)', addressOption('--address'))
      .option(...accountFlag('signer')),
  ).action(async (options: ChainCliOptions & AccountOption & { address?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ rewardBalance }, { settlementAddress, signerOf }, { formatEther }, { toChecksumAddress }] = await Promise.all([clients(), app(), import('ethers'), import('../../prover/field/index.ts')])
    await withChain(opts, options, async (chain) => {
      const account = options.address === undefined ? await signerOf(chain, options.account).getAddress() : toChecksumAddress(options.address, '--address')
      const balanceWei = await rewardBalance({ settlement: settlementAddress(chain), runner: chain.provider, account })
      printResult(opts, { account, balanceWei }, () => `${account}: ${formatEther(balanceWei)} OPEN withdrawable`)
    }, { readOnly: options.address !== undefined })
  })
  addChainOptions(
    rewards.command('claim').description('credit the payouts and fees of a settled inference to their owners (anyone may)')
      .argument('<inference-id>', 'the settled inference', inferenceIdOption('<inference-id>'))
      .option(...accountFlag('sender')),
  ).action(async (inferenceId: string, options: ChainCliOptions & AccountOption, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ claimRewards }, { settlementAddress, signerOf }] = await Promise.all([clients(), app()])
    await withChain(opts, options, async (chain) => {
      const tx = await claimRewards({ settlement: settlementAddress(chain), signer: signerOf(chain, options.account), inferenceId })
      printResult(opts, { inferenceId, ...tx }, () => `claimed the rewards of ${inferenceId} (tx ${tx.txHash})`)
    })
  })
  addChainOptions(
    rewards.command('withdraw').description('withdraw credited OPEN to the signer')
      .option('--amount <OPEN>', 'how much (default: everything)', openAmountOption('--amount'))
      .option(...accountFlag('signer')),
  ).action(async (options: ChainCliOptions & AccountOption & { amount?: bigint }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ withdrawRewards }, { settlementAddress, signerOf }, { formatEther }] = await Promise.all([clients(), app(), import('ethers')])
    await withChain(opts, options, async (chain) => {
      const signer = signerOf(chain, options.account)
      const tx = await withdrawRewards({ settlement: settlementAddress(chain), signer, amountWei: options.amount })
      printResult(opts, { account: await signer.getAddress(), ...tx }, () => `withdrew ${formatEther(tx.amountWei)} OPEN (tx ${tx.txHash})`)
    })
  })
  addChainOptions(
    rewards.command('deposit').description("move OPEN from the signer's wallet into its settlement balance, where settlement bonds are locked from (poa settle deposits what is missing by itself)")
      .argument('<OPEN>', 'amount, e.g. 10', openAmountOption('<OPEN>'))
      .option(...accountFlag('signer')),
  ).action(async (amountWei: bigint, options: ChainCliOptions & AccountOption, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ depositToSettlement }, { settlementAddress, signerOf }, { formatEther }] = await Promise.all([clients(), app(), import('ethers')])
    await withChain(opts, options, async (chain) => {
      const signer = signerOf(chain, options.account)
      const tx = await depositToSettlement({ settlement: settlementAddress(chain), signer, amountWei })
      printResult(opts, { account: await signer.getAddress(), amountWei, ...tx }, () => `deposited ${formatEther(amountWei)} OPEN into the settlement (tx ${tx.txHash})`)
    })
  })
}
