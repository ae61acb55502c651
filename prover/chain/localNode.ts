import { createRequire } from 'node:module'
import { isAddress } from 'ethers'
import { connectChain, type PoaChain } from './connectChain.ts'
import { EMBEDDED_NETWORK, devWallet, type ChainProgress } from './embeddedChain.ts'
import { ChainConfigError } from './chainErrors.ts'
import type { Deployment } from './deploy.ts'

/**
 * `poa chain start`: the embedded chain of a home served over JSON-RPC on 127.0.0.1, so separate
 * processes (a Datanet owner, a model host, a prover node, an auditor) share one chain. The state
 * stays on disk through the same journal as the embedded chain: every transaction that changes
 * state arrives signed (`eth_sendRawTransaction`) and is journaled before its hash is returned, and
 * a restart replays the journal. Methods that would change state outside the journal (unlocked
 * `eth_sendTransaction`, snapshots, balance edits, time jumps) are refused by name.
 */
export type LocalNodeParameters = {
  /** poa home whose chain (`<home>/chain/journal.jsonl`) is served. */
  home: string
  /** Default 127.0.0.1: the development accounts' keys are public, never serve them beyond loopback. */
  host?: string
  /** Default 8545; 0 picks a free port. */
  port?: number
  onProgress?: (progress: ChainProgress) => void
  lockTimeoutMs?: number
}

export type DevAccount = { index: number; address: string; privateKey: string }

export type LocalNode = {
  url: string
  chainId: bigint
  /** The funded development accounts (Hardhat's public test mnemonic: never use them elsewhere). */
  accounts: DevAccount[]
  /** poa's core contracts on this chain, deployed once by the node; clients read them with `poa_deployment`. */
  deployment: Deployment
  close(): Promise<void>
}

/** JSON-RPC method clients call to learn the addresses of poa's contracts on a poa local node. */
export const DEPLOYMENT_METHOD = 'poa_deployment'

/** JSON-RPC method clients call to add contracts they deployed to the node's one deployment. */
export const RECORD_DEPLOYMENT_METHOD = 'poa_recordDeployment'

/** Methods that would change chain state without a journaled, signed transaction. */
const REFUSED = new Set([
  'eth_sendTransaction', 'eth_sign', 'eth_signTransaction', 'eth_signTypedData_v4', 'personal_sign',
  'evm_snapshot', 'evm_revert', 'evm_increaseTime', 'evm_setNextBlockTimestamp', 'evm_setAutomine', 'evm_setIntervalMining',
  'evm_setBlockGasLimit', 'hardhat_reset', 'hardhat_setBalance', 'hardhat_setCode', 'hardhat_setNonce', 'hardhat_setStorageAt',
  'hardhat_impersonateAccount', 'hardhat_stopImpersonatingAccount', 'hardhat_setCoinbase', 'hardhat_setPrevRandao',
  'hardhat_setNextBlockBaseFeePerGas', 'hardhat_dropTransaction', 'hardhat_setMinGasPrice', 'hardhat_setLoggingEnabled',
])

/** The development accounts of the embedded chain (Hardhat's test mnemonic), with their keys. */
export function devAccounts(count: number = EMBEDDED_NETWORK.accounts.count): DevAccount[] {
  return Array.from({ length: count }, (_, index) => {
    const wallet = devWallet(index)
    return { index, address: wallet.address, privateKey: wallet.privateKey }
  })
}

type RpcServer = { listen(): Promise<{ address: string; port: number }>; close(): Promise<void> }
type HardhatErrors = { MethodNotSupportedError: new (method: string) => Error; InvalidInputError: new (message: string) => Error }

/** Start serving `home`'s chain; deploys poa's core contracts on first start. */
export async function startLocalNode({ home, host = '127.0.0.1', port = 8545, onProgress, lockTimeoutMs }: LocalNodeParameters): Promise<LocalNode> {
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new ChainConfigError({ option: '--port', reason: `expected a TCP port 0..65535, got ${port}` })
  const chain: PoaChain = await connectChain({ home, onProgress, lockTimeoutMs })
  const embedded = chain.embeddedChain
  if (!embedded) throw new ChainConfigError({ option: 'home', reason: 'the local node serves the embedded chain only' })
  const require = createRequire(import.meta.url)
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server') as { JsonRpcServer: new (c: { hostname: string; port: number; provider: unknown }) => RpcServer }
  const errors = require('hardhat/internal/core/providers/errors') as HardhatErrors
  const deployment = chain.deployment

  const request = async ({ method, params = [] }: { method: string; params?: unknown[] }): Promise<unknown> => {
    if (REFUSED.has(method)) {
      throw new errors.InvalidInputError(`${method} is not served by poa chain: it would change state outside the chain's journal (send signed transactions with eth_sendRawTransaction)`)
    }
    switch (method) {
      case 'eth_sendRawTransaction': {
        const raw = params[0]
        if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]+$/.test(raw)) throw new errors.InvalidInputError('eth_sendRawTransaction expects one hex-encoded signed transaction')
        return embedded.exclusive(() => embedded.submitRawTransaction(raw))
      }
      case 'evm_mine':
        await embedded.mine({ blocks: 1 })
        return '0x0'
      case 'hardhat_mine': {
        const blocks = params[0] === undefined ? 1 : Number(params[0])
        const intervalSeconds = params[1] === undefined ? 1 : Number(params[1])
        await embedded.mine({ blocks, intervalSeconds })
        return true
      }
      case DEPLOYMENT_METHOD:
        return deployment
      case RECORD_DEPLOYMENT_METHOD: {
        const added = params[0]
        if (added === null || typeof added !== 'object' || Array.isArray(added)) throw new errors.InvalidInputError(`${RECORD_DEPLOYMENT_METHOD} expects one object of contract name -> address`)
        for (const [name, address] of Object.entries(added)) {
          if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new errors.InvalidInputError(`${RECORD_DEPLOYMENT_METHOD}: contract name ${JSON.stringify(name)} must match [A-Za-z0-9_]{1,64}`)
          if (typeof address !== 'string' || !isAddress(address)) throw new errors.InvalidInputError(`${RECORD_DEPLOYMENT_METHOD}: ${name} = ${JSON.stringify(address)} is not an address`)
          // Only contracts that exist: a typo must not make every process call an empty address.
          if ((await embedded.eip1193.request({ method: 'eth_getCode', params: [address, 'latest'] })) === '0x') {
            throw new errors.InvalidInputError(`${RECORD_DEPLOYMENT_METHOD}: ${name} at ${address} has no code on this chain`)
          }
        }
        await chain.recordDeployment(added as Record<string, string>)
        return deployment
      }
      default:
        return embedded.eip1193.request({ method, params })
    }
  }
  // Subscriptions (websocket) are not journaled state, but nothing here emits them: a no-op emitter.
  const provider = { request, on: () => provider, addListener: () => provider, removeListener: () => provider }
  const server = new JsonRpcServer({ hostname: host, port, provider })
  let listening: { address: string; port: number }
  try {
    listening = await server.listen()
  } catch (cause) {
    await chain.close()
    throw new ChainConfigError({ option: '--port', reason: `cannot listen on ${host}:${port} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause })
  }
  let closed = false
  return {
    url: `http://${host}:${listening.port}`,
    chainId: chain.chainId,
    accounts: devAccounts(),
    deployment,
    async close() {
      if (closed) return
      closed = true
      await server.close()
      await chain.close()
    },
  }
}
