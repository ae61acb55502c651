import { Option, type Command } from 'commander'
import type { ChainTarget, PoaChain } from '../prover/chain/index.ts'
import { ChainConfigError } from '../prover/chain/chainErrors.ts'
import { progressLine } from './output.ts'
import { rpcUrlOption, type GlobalOptions } from './options.ts'

/** Options every chain-touching command takes: no --rpc means the embedded chain in <home>/chain. */
export type ChainCliOptions = { rpc?: string; privateKey?: string; keystore?: string }

/** Add --rpc, --private-key (env POA_PRIVATE_KEY) and --keystore to a command. */
export function addChainOptions(command: Command): Command {
  return command
    .option('--rpc <url>', 'JSON-RPC endpoint (default: the embedded chain in <home>/chain)', rpcUrlOption('--rpc'))
    .addOption(new Option('--private-key <hex>', 'signing key for --rpc').env('POA_PRIVATE_KEY'))
    .option('--keystore <file>', 'encrypted JSON keystore for --rpc (password in POA_KEYSTORE_PASSWORD)')
}

/**
 * The chain target the options select. This is the CLI edge: the keystore password comes from
 * POA_KEYSTORE_PASSWORD here and nowhere else.
 */
export function chainTargetOf(options: ChainCliOptions, { readOnly = false }: { readOnly?: boolean } = {}): ChainTarget {
  // A command that only reads needs no key on an RPC chain.
  if (readOnly && options.rpc !== undefined && options.privateKey === undefined && options.keystore === undefined) return { rpc: options.rpc, readOnly: true }
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
 * Connect with the command's options (the chain runtime is loaded only now), run `work`, and
 * always close the connection. The core contracts are deployed on first use unless `deploy` is
 * false; a `readOnly` command takes `--rpc` without a key (it cannot send transactions).
 */
export async function withChain<T>(
  opts: GlobalOptions, options: ChainCliOptions, work: (chain: PoaChain) => Promise<T>, { deploy = true, readOnly = false }: { deploy?: boolean; readOnly?: boolean } = {},
): Promise<T> {
  const chain = chainTargetOf(options, { readOnly })
  const { withChainSession } = await import('../prover/app/withChainSession.ts')
  return withChainSession({ home: opts.home, chain, deploy, onProgress: progressLine }, work)
}
