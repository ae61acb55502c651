import type { ChainTarget } from '../chain/connectChain.ts'
import { devWallet } from '../chain/embeddedChain.ts'
import { readChainNode, serveChain } from '../app/chainNode.ts'
import { withChainSession } from '../app/withChainSession.ts'
import type { AppReporting } from '../app/appOptions.ts'

/**
 * The chain the dashboard works on, and the key it signs with. The key stays in this closure: the
 * routes get a ChainTarget to hand to the workflows and the signer's address to show, never the key.
 */
export type ServerChain = {
  /** What every workflow call of the server receives as `chain`. */
  target: ChainTarget
  /** The node's signing account (datanet owner, model owner, host and prover on a dev chain). */
  signerAddress: string
  chainId: bigint
  /** Where the chain answers, and whether this server started it. */
  url: string
  served: 'this server' | 'poa chain start' | 'rpc'
  /** The chain's clock can be moved (a poa local node): a settlement's challenge window is passed at once, as in poa demo. */
  devClock: boolean
  close(): Promise<void>
}

export type OpenServerChainParameters = Pick<AppReporting, 'log'> & {
  home: string
  /** An RPC chain and its key (or keystore); absent: the home's chain, served over JSON-RPC on loopback. */
  rpc?: Exclude<ChainTarget, { rpc?: undefined }>
}

/**
 * Without `rpc`: the node that already serves this home (`poa chain start`), else the home's
 * embedded chain served here on a free loopback port, so workflows and other poa processes in the
 * same home share one chain without replaying its journal per request; both sign with development
 * account 0. With `rpc`: that chain and its key. Core contracts are deployed on first use.
 */
export async function openServerChain(p: OpenServerChainParameters): Promise<ServerChain> {
  let target: ChainTarget
  let url: string
  let served: ServerChain['served']
  let stop = async () => {}
  if (p.rpc) {
    target = p.rpc
    url = p.rpc.rpc
    served = 'rpc'
  } else {
    const running = readChainNode(p.home)
    if (running) {
      url = running.url
      served = 'poa chain start'
    } else {
      p.log?.(`serving the chain of ${p.home} on loopback`)
      const node = await serveChain({ home: p.home, host: '127.0.0.1', port: 0 })
      url = node.url
      served = 'this server'
      stop = () => node.close()
    }
    target = { rpc: url, privateKey: devWallet(0).privateKey }
  }
  try {
    const { signerAddress, chainId } = await withChainSession({ home: p.home, chain: target }, async (chain) => ({ signerAddress: chain.signerAddress, chainId: chain.chainId }))
    return { target, signerAddress, chainId, url, served, devClock: served !== 'rpc', close: stop }
  } catch (error) {
    await stop()
    throw error
  }
}
