import { connectChain, type PoaChain } from '../chain/connectChain.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { defaultChainTarget } from './chainNode.ts'

/** Options of withChainSession. */
export type WithChainSessionParameters = AppFolders & AppChain & Pick<AppReporting, 'onProgress' | 'signal'> & {
  /** Deploy the core contracts when this chain has none (default true). */
  deploy?: boolean
}

/**
 * Connect to the chain the options select, run `work`, and always close the connection (the
 * embedded chain holds a lock on `<home>/chain` while open). Progress of replaying the embedded
 * chain's journal goes to `onProgress('replaying embedded chain')`.
 */
export async function withChainSession<T>(p: WithChainSessionParameters, work: (chain: PoaChain) => Promise<T>): Promise<T> {
  // No chain named: the node serving this home (`poa chain start`) if one runs, else the embedded chain.
  const target = p.chain?.rpc === undefined ? defaultChainTarget(p.home) : p.chain
  const chain = await connectChain({ home: p.home, ...target, deploy: p.deploy ?? true, signal: p.signal, onProgress: p.onProgress?.('replaying embedded chain') })
  try {
    return await work(chain)
  } finally {
    await chain.close()
  }
}
