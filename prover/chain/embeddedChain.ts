import { join } from 'node:path'
import { BrowserProvider, HDNodeWallet, keccak256 } from 'ethers'
import type { EthereumProvider } from 'hardhat/types/index.js'
import { createHardhatNetwork, getHardhatRuntime } from './hardhatRuntime.ts'
import { appendJournal, readJournalFile, repairJournalTail, type JournalEntry } from './journal.ts'
import { ChainConfigError, JournalMismatchError, toChainError } from './chainErrors.ts'
import { acquireChainLock } from './chainLock.ts'

/**
 * Genesis time of the embedded chain. Fixed, so that a replayed chain has the same genesis block,
 * hence the same block hashes, as the one that wrote the journal; and in the past, so that every
 * journaled timestamp (wall-clock time when sent) is later than genesis.
 */
export const EMBEDDED_GENESIS_DATE = '2025-01-01T00:00:00Z'

/**
 * Everything that shapes the embedded chain's blocks, pinned here rather than read from
 * hardhat.config.cjs: an edit of the config (or a Hardhat default changing its hardfork) must not
 * make existing journals stop replaying. Changing any of these invalidates every journal.
 */
export const EMBEDDED_NETWORK = {
  chainId: 31337,
  hardfork: 'cancun',
  blockGasLimit: 30_000_000,
  initialBaseFeePerGas: 1_000_000_000,
  minGasPrice: 0n,
  initialDate: EMBEDDED_GENESIS_DATE,
  allowUnlimitedContractSize: false,
  allowBlocksWithSameTimestamp: false,
  throwOnTransactionFailures: true,
  throwOnCallFailures: true,
  accounts: {
    mnemonic: 'test test test test test test test test test test test junk',
    path: "m/44'/60'/0'/0",
    initialIndex: 0,
    count: 20,
    passphrase: '',
    accountsBalance: '10000000000000000000000',
  },
} as const

const devWallets = new Map<number, HDNodeWallet>()

/**
 * Development account `index` of the embedded chain (Hardhat's public test mnemonic), derived once
 * per process: the embedded chain's signers, a poa chain node's accounts and `poa chain start`'s
 * listing all come from here.
 */
export function devWallet(index: number): HDNodeWallet {
  const { mnemonic, path, count } = EMBEDDED_NETWORK.accounts
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new ChainConfigError({ option: 'account', reason: `expected a Hardhat account index 0..${count - 1}, got ${index}` })
  }
  let wallet = devWallets.get(index)
  if (!wallet) {
    wallet = HDNodeWallet.fromPhrase(mnemonic, undefined, `${path}/${index}`)
    devWallets.set(index, wallet)
  }
  return wallet
}

/** Progress of a long chain step (replay: one unit per journal entry). */
export type ChainProgress = { done: number; total: number; unit: string }

export type StartEmbeddedChainParameters = {
  /** poa home; the journal lives in `<home>/chain/journal.jsonl`. */
  home: string
  onProgress?: (progress: ChainProgress) => void
  signal?: AbortSignal
  /** How long to wait for another process holding this home's chain (default 60 s). */
  lockTimeoutMs?: number
}

/** Hardhat's in-process network made persistent by a journal of everything sent through it. */
export type EmbeddedChain = {
  eip1193: EthereumProvider
  provider: BrowserProvider
  journalPath: string
  /** Entries replayed at start. */
  replayed: number
  /** A torn last journal line (an append cut short by a crash) was dropped at start. */
  droppedTornTail: boolean
  /** Run `fn` alone: populating a nonce, signing and sending must not interleave with another send. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /** Broadcast a raw signed transaction, mine it, journal it; returns its hash. Call inside `exclusive`. */
  submitRawTransaction(raw: string): Promise<string>
  /** Mine empty blocks (`intervalSeconds` apart), journaled so a restart reproduces them. */
  mine(options: { blocks: number; intervalSeconds?: number }): Promise<void>
  /** Release the home's chain lock; the in-memory network is dropped with its last reference. */
  close(): Promise<void>
}

/**
 * Start a fresh in-process Hardhat network and replay `<home>/chain/journal.jsonl` into it, checking
 * that each replayed transaction hash and block hash equals the journal's. A tampered raw
 * transaction, timestamp or order changes a hash and fails with JournalMismatchError.
 */
export async function startEmbeddedChain({ home, onProgress, signal, lockTimeoutMs }: StartEmbeddedChainParameters): Promise<EmbeddedChain> {
  const journalPath = join(home, 'chain', 'journal.jsonl')
  const release = await acquireChainLock({ dir: join(home, 'chain'), timeoutMs: lockTimeoutMs })
  try {
    return await openLocked(journalPath, release, onProgress, signal)
  } catch (error) {
    await release()
    throw error
  }
}

async function openLocked(
  journalPath: string,
  release: () => Promise<void>,
  onProgress: StartEmbeddedChainParameters['onProgress'],
  signal: AbortSignal | undefined,
): Promise<EmbeddedChain> {
  const hre = await getHardhatRuntime()
  const eip1193 = await createHardhatNetwork(hre, { network: EMBEDDED_NETWORK })
  // Automine answers at once; a short polling interval keeps ethers' wait() from sleeping 4 s.
  const provider = new BrowserProvider(eip1193, undefined, { pollingInterval: 50, cacheTimeout: -1 })
  const request = (method: string, params: unknown[] = []) => eip1193.request({ method, params })

  const latestBlock = async () => (await request('eth_getBlockByNumber', ['latest', false])) as { number: string; hash: string; timestamp: string }

  /** Send raw and return its hash; a reverted transaction is still mined by Hardhat (and must be journaled). */
  async function sendRaw(raw: string): Promise<{ hash: string; failure?: unknown }> {
    const hash = keccak256(raw)
    try {
      return { hash: (await request('eth_sendRawTransaction', [raw])) as string }
    } catch (failure) {
      const receipt = await request('eth_getTransactionReceipt', [hash])
      if (receipt === null) throw failure
      return { hash, failure }
    }
  }

  const journal = await readJournalFile(journalPath)
  const entries = journal.entries
  let done = 0
  for (const { line, entry } of entries) {
    signal?.throwIfAborted()
    await replayEntry(entry, line)
    onProgress?.({ done: ++done, total: entries.length, unit: 'journal entries' })
  }

  async function replayEntry(entry: JournalEntry, line: number): Promise<void> {
    const mismatch = (field: string, expected: string, got: string, cause?: unknown) =>
      new JournalMismatchError({ journal: journalPath, line, field, expected, got, cause })
    try {
      await request('evm_setNextBlockTimestamp', [entry.timestamp])
      if (entry.type === 'tx') {
        const { hash } = await sendRaw(entry.raw)
        if (hash.toLowerCase() !== entry.hash.toLowerCase()) throw mismatch('hash', entry.hash, hash)
      } else {
        await request('hardhat_mine', [`0x${entry.blocks.toString(16)}`, `0x${entry.intervalSeconds.toString(16)}`])
      }
    } catch (error) {
      if (error instanceof JournalMismatchError) throw error
      // The network refused the entry (bad signature, nonce gap, timestamp not increasing).
      throw mismatch('replay', `${entry.type} accepted`, toChainError(error, 'replay', []).shortMessage, error)
    }
    const block = await latestBlock()
    if (Number(block.number) !== entry.blockNumber) throw mismatch('blockNumber', String(entry.blockNumber), String(Number(block.number)))
    if (block.hash !== entry.blockHash) throw mismatch('blockHash', entry.blockHash, block.hash)
  }

  // Only after a full replay: a journal that does not replay is left untouched for inspection.
  await repairJournalTail(journalPath, journal)

  let queue: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => undefined)
    return run
  }

  /** Wall-clock seconds, but always after the latest block (a `mine` may have moved time ahead). */
  async function nextTimestamp(): Promise<number> {
    const latest = Number((await latestBlock()).timestamp)
    return Math.max(Math.floor(Date.now() / 1000), latest + 1)
  }

  async function submitRawTransaction(raw: string): Promise<string> {
    const timestamp = await nextTimestamp()
    await request('evm_setNextBlockTimestamp', [timestamp])
    const { hash, failure } = await sendRaw(raw)
    const receipt = (await request('eth_getTransactionReceipt', [hash])) as { blockNumber: string; blockHash: string }
    await appendJournal(journalPath, { type: 'tx', hash, raw, timestamp, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash })
    if (failure !== undefined) throw failure
    return hash
  }

  async function mine({ blocks, intervalSeconds = 1 }: { blocks: number; intervalSeconds?: number }): Promise<void> {
    if (!Number.isSafeInteger(blocks) || blocks < 1) throw new RangeError(`blocks expected an integer >= 1, got ${blocks}`)
    if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1) throw new RangeError(`intervalSeconds expected an integer >= 1, got ${intervalSeconds}`)
    await exclusive(async () => {
      const timestamp = await nextTimestamp()
      await request('evm_setNextBlockTimestamp', [timestamp])
      await request('hardhat_mine', [`0x${blocks.toString(16)}`, `0x${intervalSeconds.toString(16)}`])
      const block = await latestBlock()
      await appendJournal(journalPath, { type: 'mine', blocks, intervalSeconds, timestamp, blockNumber: Number(block.number), blockHash: block.hash })
    })
  }

  let closed = false
  async function close(): Promise<void> {
    if (closed) return
    closed = true
    // Let a send in flight finish its journal line before another process may take the chain.
    await exclusive(async () => undefined)
    provider.destroy()
    await release()
  }

  return { eip1193, provider, journalPath, replayed: entries.length, droppedTornTail: journal.tornTail, exclusive, submitRawTransaction, mine, close }
}
