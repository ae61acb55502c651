import { readFile } from 'node:fs/promises'
import { Contract, Interface, JsonRpcProvider, VoidSigner, Wallet, ZeroAddress, type AbstractProvider, type BaseWallet, type Signer } from 'ethers'
import { devWallet, startEmbeddedChain, type ChainProgress, type EmbeddedChain } from './embeddedChain.ts'
import { JournalingSigner } from './journalingSigner.ts'
import { CORE_CONTRACTS, deployCoreContracts, deploymentPath, loadArtifact, readDeployment, writeDeployment, type Deployment } from './deploy.ts'
import { ChainConfigError, ContractNotDeployedError, DeploymentMismatchError, toChainError, type NamedInterface } from './chainErrors.ts'

/**
 * Which chain: the embedded one (no `rpc`), or a JSON-RPC endpoint with a private key or a keystore,
 * or `readOnly` (reads only: the signer is a VoidSigner at the zero address that cannot sign).
 */
export type ChainTarget =
  | { rpc?: undefined; privateKey?: undefined; keystore?: undefined; keystorePassword?: undefined; readOnly?: undefined }
  | { rpc: string; privateKey: string; keystore?: undefined; keystorePassword?: undefined; readOnly?: undefined }
  | { rpc: string; keystore: string; keystorePassword: string; privateKey?: undefined; readOnly?: undefined }
  | { rpc: string; readOnly: true; privateKey?: undefined; keystore?: undefined; keystorePassword?: undefined }

export type ConnectChainParameters = ChainTarget & {
  /** poa home: `<home>/chain/` holds the journal and deployment files. */
  home: string
  /** Deploy the core contracts when this chain's deployment file has none (default true). */
  deploy?: boolean
  onProgress?: (progress: ChainProgress) => void
  signal?: AbortSignal
  /** Embedded chain: how long to wait for another process using the same home (default 60 s). */
  lockTimeoutMs?: number
}

export type CoreContracts = { datanetRegistry: Contract; modelRegistry: Contract; openToken: Contract }

export type PoaChain = {
  embedded: boolean
  /** The in-process chain behind an embedded connection (what `poa chain start` serves). */
  embeddedChain?: EmbeddedChain
  chainId: bigint
  provider: AbstractProvider
  /** Sends everything our client sends (journaled on the embedded chain). */
  signer: Signer
  signerAddress: string
  contracts: CoreContracts
  deployment: Deployment
  deploymentFile: string
  /** ABIs used to decode custom errors; `contract(name)` adds to it. */
  interfaces: NamedInterface[]
  /** Another account: on the embedded chain a Hardhat account index or a private key; on RPC a private key. */
  getSigner(account: number | string): Signer
  /** A deployed contract by deployment name, connected to `signer` (or `runner`). */
  contract(name: string, runner?: Signer): Promise<Contract>
  /** Add contracts (name -> address) to this chain's deployment file. */
  recordDeployment(contracts: Record<string, string>): Promise<void>
  /** Mine empty blocks (embedded chain only; journaled). */
  mine(options: { blocks: number; intervalSeconds?: number }): Promise<void>
  /** Run a chain action, turning a revert into a ChainRevertError that names the custom error. */
  run<T>(action: string, fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

/**
 * Connect to the embedded chain (Hardhat in-process, replayed from `<home>/chain/journal.jsonl`)
 * or to a JSON-RPC chain, deploying the core contracts on first use.
 *
 * @example
 * const chain = await connectChain({ home: '.poa' })
 * try { console.log(await chain.contracts.datanetRegistry.datanetCount()) } finally { await chain.close() }
 */
export async function connectChain(parameters: ConnectChainParameters): Promise<PoaChain> {
  const { home, deploy = true, onProgress, signal, lockTimeoutMs } = parameters
  if (typeof home !== 'string' || home === '') throw new ChainConfigError({ option: 'home', reason: `expected a directory path, got ${JSON.stringify(home)}` })

  let provider: AbstractProvider
  let signer: Signer
  let signerAddress: string
  let embeddedChain: EmbeddedChain | undefined
  let getSigner: (account: number | string) => Signer
  let servedByNode = false

  if (parameters.rpc === undefined) {
    if (parameters.privateKey !== undefined || parameters.keystore !== undefined) {
      throw new ChainConfigError({ option: '--private-key/--keystore', reason: 'given without --rpc; the embedded chain uses its own accounts' })
    }
    const chain = await startEmbeddedChain({ home, onProgress, signal, lockTimeoutMs })
    embeddedChain = chain
    provider = chain.provider
    getSigner = (account) => new JournalingSigner(typeof account === 'string' ? walletFromKey(account, 'account') : devWallet(account), chain)
    signer = getSigner(0)
  } else {
    // cacheTimeout -1: ethers would otherwise answer a repeated eth_getTransactionCount from a
    // 250 ms cache, and two transactions sent back to back (the deployments) would share a nonce.
    provider = new JsonRpcProvider(parameters.rpc, undefined, { cacheTimeout: -1 })
    if (parameters.readOnly === true) signer = new VoidSigner(ZeroAddress, provider)
    else {
      let wallet: BaseWallet
      if (parameters.privateKey !== undefined) wallet = walletFromKey(parameters.privateKey, '--private-key')
      else if (parameters.keystore !== undefined) wallet = await walletFromKeystore(parameters.keystore, parameters.keystorePassword)
      else throw new ChainConfigError({ option: '--rpc', reason: 'needs --private-key <hex> or --keystore <file> to sign' })
      signer = wallet.connect(provider)
    }
    getSigner = (account) => {
      // A poa chain node serves the embedded chain's development accounts: an index names one.
      if (typeof account === 'number' && servedByNode) return devWallet(account).connect(provider)
      if (typeof account !== 'string') throw new ChainConfigError({ option: 'account', reason: 'on an RPC chain an account is a private key' })
      return walletFromKey(account, 'account').connect(provider)
    }
  }
  signerAddress = await signer.getAddress()

  const close = async () => {
    if (embeddedChain) await embeddedChain.close()
    else provider.destroy()
  }
  try {
    const chainId = await provider.getNetwork().then((n) => n.chainId, (error: unknown) => {
      throw toChainError(error, `connect ${parameters.rpc ?? 'embedded chain'}`, [])
    })
    // A poa local node (`poa chain start`) keeps one deployment for every process that shares it:
    // read it from the node at each connection, and record new contracts there, not in this home.
    const served = parameters.rpc === undefined ? undefined : await sharedDeployment(provider as JsonRpcProvider, chainId)
    servedByNode = served !== undefined
    const file = served ? `${parameters.rpc} (poa chain node)` : deploymentPath({ home, chainId, embedded: embeddedChain !== undefined })
    let deployment = served ?? (await readDeployment(file))
    if (deployment === undefined || CORE_CONTRACTS.some((name) => deployment!.contracts[name] === undefined)) {
      if (!deploy || parameters.readOnly === true) throw new ContractNotDeployedError({ contract: 'DatanetRegistry', chainId, file })
      const core = await deployCoreContracts({ signer })
      deployment = {
        chainId: chainId.toString(),
        deployer: signerAddress,
        deployedAtBlock: core.deployedAtBlock,
        contracts: { ...(deployment?.contracts ?? {}), ...core.contracts },
      }
      if (served) deployment = await recordShared(provider as JsonRpcProvider, core.contracts)
      else await writeDeployment(file, deployment)
    } else {
      for (const [name, address] of Object.entries(deployment.contracts)) {
        if ((await provider.getCode(address)) === '0x') throw new DeploymentMismatchError({ file, contract: name, address, chainId })
      }
    }

    const interfaces: NamedInterface[] = []
    const contract = async (name: string, runner: Signer = signer): Promise<Contract> => {
      const address = deployment!.contracts[name]
      if (address === undefined) throw new ContractNotDeployedError({ contract: name, chainId, file })
      const { abi } = await loadArtifact(name)
      if (!interfaces.some((i) => i.name === name)) interfaces.push({ name, iface: new Interface(abi) })
      return new Contract(address, abi, runner)
    }
    const contracts: CoreContracts = {
      datanetRegistry: await contract('DatanetRegistry'),
      modelRegistry: await contract('ModelRegistry'),
      openToken: await contract('OpenToken'),
    }
    const current = deployment
    return {
      embedded: embeddedChain !== undefined,
      embeddedChain,
      chainId,
      provider,
      signer,
      signerAddress,
      contracts,
      deployment: current,
      deploymentFile: file,
      interfaces,
      getSigner,
      contract,
      async recordDeployment(added) {
        if (served) {
          Object.assign(current.contracts, (await recordShared(provider as JsonRpcProvider, added)).contracts)
          return
        }
        Object.assign(current.contracts, added)
        await writeDeployment(file, current)
      },
      async mine(options) {
        if (served) {
          // The node journals the blocks it mines (hardhat_mine is one of the methods it serves).
          await (provider as JsonRpcProvider).send('hardhat_mine', [`0x${options.blocks.toString(16)}`, `0x${(options.intervalSeconds ?? 1).toString(16)}`])
          return
        }
        if (!embeddedChain) throw new ChainConfigError({ option: 'mine', reason: 'only the embedded chain or a poa chain node can mine blocks on demand' })
        await embeddedChain.mine(options)
      },
      async run(action, fn) {
        try {
          return await fn()
        } catch (error) {
          throw toChainError(error, action, interfaces)
        }
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/** The deployment a poa local node serves (`poa_deployment`), or undefined on any other endpoint. */
/** Record contracts in the deployment a poa local node serves; returns the node's whole deployment. */
async function recordShared(provider: JsonRpcProvider, contracts: Record<string, string>): Promise<Deployment> {
  try {
    return (await provider.send('poa_recordDeployment', [contracts])) as Deployment
  } catch (error) {
    throw toChainError(error, 'record the deployment on the poa chain node', [])
  }
}

async function sharedDeployment(provider: JsonRpcProvider, chainId: bigint): Promise<Deployment | undefined> {
  let served: Deployment
  try {
    served = (await provider.send('poa_deployment', [])) as Deployment
  } catch {
    return undefined // not a poa local node: this home deploys its own
  }
  if (served?.chainId !== chainId.toString() || CORE_CONTRACTS.some((name) => typeof served.contracts?.[name] !== 'string')) return undefined
  return served
}

function walletFromKey(key: string, option: string): Wallet {
  const hex = key.startsWith('0x') ? key : `0x${key}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ChainConfigError({ option, reason: `expected a 32-byte hex private key, got ${hex.length - 2} hex characters` })
  }
  try {
    return new Wallet(hex)
  } catch (cause) {
    throw new ChainConfigError({ option, reason: 'is not a valid secp256k1 private key', cause })
  }
}

async function walletFromKeystore(path: string, password: string | undefined): Promise<BaseWallet> {
  if (password === undefined) throw new ChainConfigError({ option: '--keystore', reason: 'needs its password in POA_KEYSTORE_PASSWORD' })
  let json: string
  try {
    json = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ChainConfigError({ option: '--keystore', reason: `cannot read ${path}`, cause })
  }
  try {
    return await Wallet.fromEncryptedJson(json, password)
  } catch (cause) {
    throw new ChainConfigError({ option: '--keystore', reason: `${path} could not be decrypted (wrong password or not a keystore)`, cause })
  }
}
