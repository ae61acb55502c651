// The embedded chain: Hardhat in-process, made persistent by replaying <home>/chain/journal.jsonl.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ChainBusyError,
  ChainConfigError,
  ChainRevertError,
  JournalMalformedError,
  JournalMismatchError,
  connectChain,
  type PoaChain,
} from '../prover/chain/index.ts'
import { commitDatanetRoot, createDatanetOnChain, readDatanetOnChain, readModelOnChain, registerModelOnChain, setDatanetCurator } from '../prover/clients/index.ts'
import { FieldOutOfRangeError } from '../prover/errors/index.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'

let home: string
const open: PoaChain[] = []

async function connect(): Promise<PoaChain> {
  const chain = await connectChain({ home })
  open.push(chain)
  return chain
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'poa-chain-'))
})
afterEach(async () => {
  while (open.length) await open.pop()!.close()
  await rm(home, { recursive: true, force: true })
})

const journalPath = () => join(home, 'chain', 'journal.jsonl')
const journalLines = async () => (await readFile(journalPath(), 'utf8')).trim().split('\n')

/** Create datanet 1 and commit version 1 in a fresh home. */
async function seed(chain: PoaChain) {
  const created = await createDatanetOnChain({ chain, metadataURI: 'spam-assassin' })
  const committed = await commitDatanetRoot({ chain, datanetId: created.datanetId, version: 1n, root: 4242n, recordCount: 3n, contentURI: 'file://v1' })
  return { created, committed }
}

describe('embedded chain', () => {
  it('deploys on first use and writes the deployment file', async () => {
    const chain = await connect()
    expect(chain.embedded).toBe(true)
    expect(chain.chainId).toBe(31337n)
    const deployment = JSON.parse(await readFile(join(home, 'chain', 'deployment.json'), 'utf8'))
    expect(Object.keys(deployment.contracts).sort()).toEqual(['DatanetRegistry', 'ModelRegistry', 'OpenToken'])
    expect(await chain.contracts.datanetRegistry.getAddress()).toBe(deployment.contracts.DatanetRegistry)
    expect(await chain.contracts.openToken.getFunction('balanceOf')(chain.signerAddress)).toBe(10n ** 27n)
    expect(await journalLines()).toHaveLength(3)
  })

  it('shows a second connectChain on the same home the state the first one left', async () => {
    const first = await connect()
    const { created } = await seed(first)
    const model = await registerModelOnChain({
      chain: first, modelHash: 11n, datanetId: created.datanetId, datanetVersion: 1n, indexRoot: 22n, k: 8, featureScale: 16, projectionSeed: 33n, metadataURI: 'm',
    })
    await first.mine({ blocks: 50, intervalSeconds: 12 })
    const block = await first.provider.getBlock('latest')
    const addresses = { ...first.deployment.contracts }
    await open.pop()!.close()

    const second = await connect()
    expect(second.deployment.contracts).toEqual(addresses)
    const latest = await second.provider.getBlock('latest')
    expect([latest!.number, latest!.hash, latest!.timestamp]).toEqual([block!.number, block!.hash, block!.timestamp])
    expect(await readDatanetOnChain({ chain: second, datanetId: 1n })).toEqual({
      datanetId: 1n, owner: second.signerAddress, latestVersion: 1n, recordCount: 3n, metadataURI: 'spam-assassin',
    })
    const stored = await readModelOnChain({ chain: second, modelId: model.modelId })
    expect([stored.modelHash, stored.indexRoot, stored.k, stored.featureScale, stored.projectionSeed]).toEqual([11n, 22n, 8, 16, 33n])
    // The second process goes on from there: the next version is 2.
    const next = await commitDatanetRoot({ chain: second, datanetId: 1n, version: 2n, root: 4343n, recordCount: 4n })
    expect(next.blockNumber).toBe(block!.number + 1)
  })

  it('detects a tampered raw transaction in the journal and names the line', async () => {
    await seed(await connect())
    await open.pop()!.close()
    const lines = await journalLines()
    const entry = JSON.parse(lines[3]!)
    // Change one byte of the calldata (the metadata string): the signature no longer matches the
    // sender, so the replayed transaction differs from the journaled hash or is refused.
    entry.raw = entry.raw.replace(/7370616d/, '7370616e')
    expect(entry.raw).not.toBe(JSON.parse(lines[3]!).raw)
    lines[3] = JSON.stringify(entry)
    await writeFile(journalPath(), `${lines.join('\n')}\n`)
    const error = await connectChain({ home }).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(JournalMismatchError)
    expect((error as JournalMismatchError).meta.line).toBe(4)
    expect((error as JournalMismatchError).kind).toBe('CHAIN')
    // The failed start released the home's chain lock.
    expect(existsSync(join(home, 'chain', 'lock'))).toBe(false)
  })

  it('detects a tampered block timestamp through the block hash', async () => {
    await seed(await connect())
    await open.pop()!.close()
    const lines = await journalLines()
    const entry = JSON.parse(lines[4]!)
    entry.timestamp += 1
    lines[4] = JSON.stringify(entry)
    await writeFile(journalPath(), `${lines.join('\n')}\n`)
    const error = (await connectChain({ home }).catch((e: unknown) => e)) as JournalMismatchError
    expect(error).toBeInstanceOf(JournalMismatchError)
    expect(error.meta).toMatchObject({ line: 5, field: 'blockHash' })
  })

  it('detects a deleted journal entry (the next transaction no longer fits)', async () => {
    await seed(await connect())
    await open.pop()!.close()
    const lines = await journalLines()
    lines.splice(1, 1)
    await writeFile(journalPath(), `${lines.join('\n')}\n`)
    const error = (await connectChain({ home }).catch((e: unknown) => e)) as JournalMismatchError
    expect(error).toBeInstanceOf(JournalMismatchError)
    expect(error.meta.line).toBe(2)
  })

  it('rejects a malformed journal line with its line number', async () => {
    await connect()
    await open.pop()!.close()
    await writeFile(journalPath(), `${(await journalLines()).join('\n')}\n{"type":"tx","hash":"0x12"}\n`)
    const error = (await connectChain({ home }).catch((e: unknown) => e)) as JournalMalformedError
    expect(error).toBeInstanceOf(JournalMalformedError)
    expect(error.shortMessage).toMatch(/journal\.jsonl:4 /)
  })

  it('drops a torn last line (an append cut short by a crash) and keeps appending whole lines', async () => {
    await seed(await connect())
    await open.pop()!.close()
    const whole = await readFile(journalPath(), 'utf8')
    await writeFile(journalPath(), `${whole}{"type":"tx","hash":"0xab`)
    const chain = await connect()
    expect(await readFile(journalPath(), 'utf8')).toBe(whole)
    await commitDatanetRoot({ chain, datanetId: 1n, version: 2n, root: 77n, recordCount: 3n })
    await open.pop()!.close()
    // A whole last line that lost only its newline is kept, and the next entry starts on a new line.
    await writeFile(journalPath(), (await readFile(journalPath(), 'utf8')).trimEnd())
    const again = await connect()
    expect((await readDatanetOnChain({ chain: again, datanetId: 1n })).latestVersion).toBe(2n)
    await commitDatanetRoot({ chain: again, datanetId: 1n, version: 3n, root: 78n, recordCount: 3n })
    await open.pop()!.close()
    expect(await journalLines()).toHaveLength(7)
    expect((await readDatanetOnChain({ chain: await connect(), datanetId: 1n })).latestVersion).toBe(3n)
  })

  it('journals a transaction that reverted on-chain, so the replay keeps nonces aligned', async () => {
    const chain = await connect()
    await seed(chain)
    // An explicit gas limit skips estimation, so the reverting transaction is mined (and costs gas).
    const registry = chain.contracts.datanetRegistry
    const error = await chain.run('commitRoot', async () => {
      const tx = await registry.getFunction('commitRoot')(1n, 9n, 5n, 3n, '', { gasLimit: 200_000n })
      return tx.wait()
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainRevertError)
    expect((error as ChainRevertError).errorName).toBe('DatanetVersionNotNext')
    expect(await journalLines()).toHaveLength(6)
    await commitDatanetRoot({ chain, datanetId: 1n, version: 2n, root: 5n, recordCount: 3n })
    await open.pop()!.close()
    const again = await connect()
    expect((await readDatanetOnChain({ chain: again, datanetId: 1n })).latestVersion).toBe(2n)
  })

  it('maps reverts of the typed wrappers to ChainRevertError with the custom error and its args', async () => {
    const chain = await connect()
    await seed(chain)
    const stranger = chain.getSigner(3)
    const unauthorised = (await commitDatanetRoot({ chain, datanetId: 1n, version: 2n, root: 9n, recordCount: 3n, signer: stranger }).catch((e: unknown) => e)) as ChainRevertError
    expect(unauthorised).toBeInstanceOf(ChainRevertError)
    expect(unauthorised.code).toBe('CHAIN_REVERT')
    expect(unauthorised.meta).toMatchObject({ action: 'commitRoot', contract: 'DatanetRegistry', error: 'DatanetUnauthorized' })
    expect(unauthorised.args).toEqual({ datanetId: 1n, caller: await stranger.getAddress() })
    // Once a curator, the same account may commit.
    await setDatanetCurator({ chain, datanetId: 1n, curator: await stranger.getAddress() })
    await commitDatanetRoot({ chain, datanetId: 1n, version: 2n, root: 9n, recordCount: 3n, signer: stranger })
    const stale = (await commitDatanetRoot({ chain, datanetId: 1n, version: 2n, root: 9n, recordCount: 3n }).catch((e: unknown) => e)) as ChainRevertError
    expect(stale.shortMessage).toBe('commitRoot reverted: DatanetRegistry.DatanetVersionNotNext(datanetId=1, expected=3, got=2)')
    const unknownVersion = (await registerModelOnChain({
      chain, modelHash: 1n, datanetId: 1n, datanetVersion: 7n, indexRoot: 1n, k: 4, featureScale: 16, projectionSeed: 0n,
    }).catch((e: unknown) => e)) as ChainRevertError
    expect(unknownVersion.errorName).toBe('ModelDatanetVersionUnknown')
  })

  it('checks field inputs before sending anything', async () => {
    const chain = await connect()
    const before = (await journalLines()).length
    await expect(commitDatanetRoot({ chain, datanetId: 1n, version: 1n, root: FIELD_MODULUS, recordCount: 1n })).rejects.toBeInstanceOf(FieldOutOfRangeError)
    await expect(commitDatanetRoot({ chain, datanetId: 1n, version: 1n, root: 0n, recordCount: 1n })).rejects.toBeInstanceOf(FieldOutOfRangeError)
    await expect(registerModelOnChain({ chain, modelHash: 1n, datanetId: 1n, datanetVersion: 1n, indexRoot: 1n, k: 0, featureScale: 16, projectionSeed: 0n }))
      .rejects.toThrow(/k = 0 is outside \[1, 4294967295\]/)
    expect(await journalLines()).toHaveLength(before)
  })

  it('lets one connection at a time hold a home, and takes over a lock left by a dead process', async () => {
    const first = await connect()
    const busy = (await connectChain({ home, lockTimeoutMs: 300 }).catch((e: unknown) => e)) as ChainBusyError
    expect(busy).toBeInstanceOf(ChainBusyError)
    expect(busy.meta.pid).toBe(process.pid)
    await open.splice(open.indexOf(first), 1)[0]!.close()
    await (await connect()).close()
    open.pop()
    // A pid far above pid_max never runs: the lock is stale.
    await mkdir(join(home, 'chain', 'lock'))
    await writeFile(join(home, 'chain', 'lock', 'pid'), '999999999')
    const taken = await connectChain({ home, lockTimeoutMs: 300 })
    open.push(taken)
    expect(taken.chainId).toBe(31337n)
  })

  it('rejects inconsistent connection options with ChainConfigError', async () => {
    await expect(connectChain({ home, privateKey: '0x01' } as never)).rejects.toBeInstanceOf(ChainConfigError)
    await expect(connectChain({ home, rpc: 'http://127.0.0.1:1', privateKey: '0x1234' })).rejects.toThrow(/--private-key: expected a 32-byte hex private key, got 4 hex characters/)
    await expect(connectChain({ home, rpc: 'http://127.0.0.1:1', keystore: join(home, 'none.json'), keystorePassword: 'x' })).rejects.toThrow(/--keystore: cannot read/)
  })
})
