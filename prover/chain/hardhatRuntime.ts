import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { HardhatRuntimeEnvironment, EthereumProvider, HardhatConfig, HardhatNetworkConfig } from 'hardhat/types/index.js'
import { ContractsCompileError } from './chainErrors.ts'
import { packagePath } from '../layout/index.ts'
import { withOwnedLock } from '../lock/index.ts'
import type { HardhatEthersHelpers } from '@nomicfoundation/hardhat-ethers/types/index.js'

/** The Hardhat runtime with the hardhat-ethers plugin loaded (`hre.ethers`). */
export type HardhatRuntime = HardhatRuntimeEnvironment & { ethers: HardhatEthersHelpers }

export const HARDHAT_CONFIG_PATH = packagePath('hardhat.config.cjs')

let runtime: Promise<HardhatRuntime> | undefined
let compiled: Promise<void> | undefined

/** Options of `getHardhatRuntime`. */
export type GetHardhatRuntimeParameters = {
  /** Compile `contracts/` before returning (default true); false uses the artifacts already built. */
  compile?: boolean
}

/**
 * Load Hardhat in this process (once) and compile `contracts/` (Hardhat's cache makes a second
 * compile a no-op). Hardhat 2 is CommonJS and a process-wide singleton: `hre.network.provider` is
 * one in-process chain shared by every caller in the process; use `createHardhatNetwork` for a
 * private, fresh one.
 *
 * @example
 * const hre = await getHardhatRuntime()
 * const [owner] = await hre.ethers.getSigners()
 * const registry = await hre.ethers.deployContract('DatanetRegistry')
 */
export async function getHardhatRuntime({ compile = true }: GetHardhatRuntimeParameters = {}): Promise<HardhatRuntime> {
  runtime ??= loadRuntime()
  const hre = await runtime
  if (compile) {
    compiled ??= compileContracts(hre).catch((error: unknown) => {
      compiled = undefined
      throw new ContractsCompileError({ cause: error })
    })
    await compiled
  }
  return hre
}

async function loadRuntime(): Promise<HardhatRuntime> {
  // Hardhat reads its --config from HARDHAT_CONFIG when loaded as a library; set it only here, on
  // first use, so that importing this module touches no environment.
  process.env.HARDHAT_CONFIG = HARDHAT_CONFIG_PATH
  const require = createRequire(import.meta.url)
  return require('hardhat') as HardhatRuntime
}

/**
 * Compile under a cross-process lock: engineers' test files run in parallel forks and all write
 * build/hardhat/artifacts; two concurrent solc runs writing the same artifacts can leave a torn file.
 */
export async function compileContracts(hre: HardhatRuntimeEnvironment): Promise<void> {
  await withOwnedLock(join(hre.config.paths.cache, 'compile.lock'), { purpose: 'compile contracts', timeoutMs: 600_000 }, () => compileQuietly(hre))
}

/**
 * `hre.run('compile')` with its progress kept off stdout: Hardhat prints "Compiled N Solidity files
 * successfully" with console.log even when quiet, which corrupted `poa --json` output whenever a
 * command compiled (a new verifier, a first run). The line goes to stderr instead.
 */
export async function compileQuietly(hre: HardhatRuntimeEnvironment): Promise<void> {
  const log = console.log
  console.log = (...args: unknown[]) => console.error(...args)
  try {
    await hre.run('compile', { quiet: true })
  } finally {
    console.log = log
  }
}

/** Options of a private in-process network; unset fields keep the config's `networks.hardhat`. */
export type CreateHardhatNetworkParameters = {
  /** Fields of the resolved Hardhat network config to override (genesis date, hardfork, accounts...). */
  network?: Partial<HardhatNetworkConfig>
}

/**
 * A fresh, private Hardhat network (EDR) in this process, independent of `hre.network.provider`:
 * nothing of another network's state leaks in. Used by the embedded chain, which replays its
 * journal into a new network on every start. Always automines.
 */
export async function createHardhatNetwork(hre: HardhatRuntime, { network = {} }: CreateHardhatNetworkParameters = {}): Promise<EthereumProvider> {
  const require = createRequire(import.meta.url)
  const { createProvider } = require('hardhat/internal/core/providers/construction') as {
    createProvider: (config: HardhatConfig, networkName: string, artifacts?: unknown) => Promise<EthereumProvider>
  }
  const hardhat = hre.config.networks.hardhat
  const config: HardhatConfig = {
    ...hre.config,
    networks: {
      ...hre.config.networks,
      hardhat: { ...hardhat, ...network, mining: { ...hardhat.mining, auto: true, interval: 0 } },
    },
  }
  return createProvider(config, 'hardhat', hre.artifacts)
}
