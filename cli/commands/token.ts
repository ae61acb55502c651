import type { Command } from 'commander'
import { addChainOptions, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { addressOption, openAmountOption, type GlobalOptions } from '../options.ts'
import { printResult } from '../output.ts'

/** Registers: token balance|transfer ($OPEN, the fee and bond token). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('$OPEN, the token fees and bonds are paid in: balances and transfers')

  addChainOptions(
    token.command('balance').description('OPEN held by an account (default: the signer)')
      .option('--address <address>', 'whose balance', addressOption('--address')),
  ).action(async (options: ChainCliOptions & { address?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { formatEther } = await import('ethers')
    await withChain(opts, options, async (chain) => {
      const account = options.address ?? chain.signerAddress
      const balanceWei = (await chain.contracts.openToken.getFunction('balanceOf')(account)) as bigint
      printResult(opts, { account, balanceWei }, () => `${account}: ${formatEther(balanceWei)} OPEN`)
    }, { readOnly: options.address !== undefined })
  })

  addChainOptions(
    token.command('transfer').description('send OPEN from the signer, for example to a prover that locks bonds or a host that pays fees')
      .argument('<to>', 'recipient address', addressOption('<to>'))
      .argument('<OPEN>', 'amount, e.g. 100 or 0.5', openAmountOption('<OPEN>')),
  ).action(async (to: string, amountWei: bigint, options: ChainCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ formatEther }, { toChainError }] = await Promise.all([import('ethers'), import('../../prover/chain/chainErrors.ts')])
    await withChain(opts, options, async (chain) => {
      const tokenContract = chain.contracts.openToken
      let receipt
      try {
        receipt = await (await tokenContract.getFunction('transfer')(to, amountWei)).wait()
      } catch (error) {
        throw toChainError(error, `transfer ${formatEther(amountWei)} OPEN to ${to}`, [{ name: 'OpenToken', iface: tokenContract.interface }])
      }
      printResult(opts, { from: chain.signerAddress, to, amountWei, txHash: receipt!.hash }, () => `sent ${formatEther(amountWei)} OPEN from ${chain.signerAddress} to ${to} (tx ${receipt!.hash})`, () => receipt!.hash)
    })
  })
}
