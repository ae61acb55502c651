import type { Command } from 'commander'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { accountOption, addressOption, inferenceIdOption, type GlobalOptions } from '../options.ts'
import { printResult, progressLine } from '../output.ts'

type SettleOptions = ChainCliOptions & { inferenceId?: string; prover?: string; account?: number | string }

/** Registers: settle <proof-package|inference-id>. */
export function registerSettleCommands(program: Command): void {
  addChainOptions(
    program.command('settle').description('submit a proof package for a pending inference (anyone may; earns the prover fee)')
      .argument('<proof-package|inference-id>', 'a proof package JSON written by `poa prove`, or an inference id whose package `poa prove <inference-id>` wrote in <home>/proofs/')
      .option('--inference-id <hex32>', 'the inference (default: the one named in the package)', inferenceIdOption('--inference-id'))
      .option('--prover <address>', 'who gets the prover fee; the proof must be made for it (default: the package\'s prover, else the sender)', addressOption('--prover'))
      .option('--account <n|key>', 'sender: Hardhat index on the embedded chain, or a private key', accountOption('--account')),
  ).action(async (given: string, options: SettleOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { existsSync } = await import('node:fs')
    const { homeLayout } = await import('../../prover/layout/index.ts')
    // An inference id names the package `poa prove <inference-id>` left in the home.
    const file = /^0x[0-9a-fA-F]{64}$/.test(given) && !existsSync(given) ? homeLayout(opts.home).proofFile(given) : given
    const chain = chainTargetOf(options)
    const { settleProofFile } = await import('../../prover/app/settleProofFile.ts')
    const { formatEther } = await import('ethers')
    const result = await settleProofFile({ home: opts.home, chain, file, inferenceId: options.inferenceId, prover: options.prover, account: options.account, onProgress: progressLine })
    printResult(opts, result, () =>
      [
        result.alreadySettled
          ? `${result.inferenceId} was already settled by this proof in tx ${result.txHash} (block ${result.blockNumber}): nothing sent`
          : `settled ${result.inferenceId} in tx ${result.txHash} (${result.gasUsed} gas)`,
        `  bond ${formatEther(result.terms.bondWei)} OPEN locked${result.depositedWei > 0n ? ` (${formatEther(result.depositedWei)} deposited from the wallet)` : ''}; challenge window until ${new Date(result.claimableAt * 1000).toISOString()}, then \`poa rewards claim ${result.inferenceId}\` returns it with the fees`,
        ...result.payouts.map((p) => `  ${p.contributor} ${formatEther(p.amountWei)} OPEN`),
        `  prover ${formatEther(result.proverFeeWei)}, model owner ${formatEther(result.modelOwnerFeeWei)}, treasury ${formatEther(result.treasuryFeeWei)} OPEN (claim with \`poa rewards claim\`)`,
      ].join('\n'))
  })
}
