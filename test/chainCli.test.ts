// `poa datanet commit` and `poa chain status` end to end: real CLI processes, real SQLite store,
// the embedded Hardhat chain persisted in a temp home, and an RPC chain served over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encryptKeystoreJson } from 'ethers'
import { createHardhatNetwork, getHardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

type CliResult = { status: number; json: { ok: boolean; result?: any; error?: { code: string; message: string; meta: Record<string, unknown> } }; stderr: string }

/** Run `poa --json --home <home> ...args` and parse its one JSON line. */
function poa(home: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--json', '--home', home, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      const line = stdout.trim().split('\n').at(-1) ?? ''
      let json: CliResult['json']
      try {
        json = JSON.parse(line)
      } catch {
        json = { ok: false, error: { code: 'NO_JSON', message: `stdout: ${stdout} stderr: ${stderr}`, meta: {} } }
      }
      resolve({ status, json, stderr })
    })
  })
}

const OWNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const records = (texts: string[]) => texts.map((content, i) => JSON.stringify({ contributor: i % 2 ? OWNER : '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', content })).join('\n') + '\n'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poa-cli-chain-'))
  await writeFile(join(dir, 'v1.jsonl'), records(['buy cheap pills', 'meeting at noon', 'you won a prize']))
  await writeFile(join(dir, 'v2.jsonl'), records(['quarterly report attached', 'click this link']))
  await writeFile(join(dir, 'other.jsonl'), records(['a different first record']))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function newDatanet(home: string, name: string, file: string) {
  expect((await poa(home, ['datanet', 'create', name, '--owner', OWNER, '--depth', '8'])).status).toBe(0)
  const imported = await poa(home, ['datanet', 'import', name, join(dir, file)])
  expect(imported.status).toBe(0)
  return imported.json.result
}

describe('poa datanet commit (embedded chain)', () => {
  it('commits versions in order, is idempotent, records the tx in the store and survives restarts', async () => {
    const home = join(dir, 'home-a')
    const v1 = await newDatanet(home, 'spam', 'v1.jsonl')

    const first = await poa(home, ['datanet', 'commit', 'spam'])
    expect(first.status).toBe(0)
    expect(first.json.result).toMatchObject({ datanet: { name: 'spam' }, chainId: '31337', chainDatanetId: '1', createdOnChain: true })
    // --owner is the on-chain owner; the signer (development account 0) commits as its curator.
    expect(first.json.result).toMatchObject({ owner: OWNER, curator: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' })
    expect(first.stderr).toMatch(/owned by 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/)
    expect(first.json.result.commits).toEqual([expect.objectContaining({ version: 1, root: v1.root, recordCount: 3, alreadyCommitted: false })])
    const tx1 = first.json.result.commits[0].txHash

    // A second run in a new process finds the same on-chain datanet and changes nothing.
    const again = await poa(home, ['datanet', 'commit', 'spam'])
    expect(again.json.result).toMatchObject({ chainDatanetId: '1', createdOnChain: false })
    expect(again.json.result.commits[0]).toMatchObject({ version: 1, txHash: tx1, alreadyCommitted: true })

    const v2 = (await poa(home, ['datanet', 'import', 'spam', join(dir, 'v2.jsonl')])).json.result
    const second = await poa(home, ['datanet', 'commit', 'spam', '--version', '2', '--content-uri', 'ipfs://v2'])
    expect(second.status).toBe(0)
    expect(second.json.result.commits.map((c: { version: number; alreadyCommitted: boolean }) => [c.version, c.alreadyCommitted])).toEqual([[1, true], [2, false]])
    expect(second.json.result.commits[1].root).toBe(v2.root)

    const status = await poa(home, ['datanet', 'status', 'spam'])
    expect(JSON.stringify(status.json.result)).toContain(second.json.result.commits[1].txHash)

    const chain = await poa(home, ['chain', 'status'])
    expect(chain.status).toBe(0)
    // 3 deploys, create, addCurator + transferOwnership (the --owner hand-over), 2 commits.
    expect(chain.json.result).toMatchObject({ chainId: '31337', embedded: true, journalEntries: 8, blockNumber: 8 })
    expect(chain.json.result.contracts.DatanetRegistry).toBe(first.json.result.registry)
  })

  it('fails with the datanet store error for an unknown datanet or version, before touching the chain', async () => {
    const home = join(dir, 'home-b')
    await newDatanet(home, 'mail', 'v1.jsonl')
    const unknown = await poa(home, ['datanet', 'commit', 'nope'])
    expect(unknown.status).toBe(3)
    expect(unknown.json.error!.code).toBe('DATANET_NOT_FOUND')
    const version = await poa(home, ['datanet', 'commit', 'mail', '--version', '9'])
    expect(version.status).toBe(3)
    expect(version.json.error!.code).toBe('VERSION_NOT_FOUND')
    // A flag that does not parse is a usage error (2), in this group as in every other.
    const badFlag = await poa(home, ['datanet', 'commit', 'mail', '--version', 'two'])
    expect(badFlag.status).toBe(2)
    expect(badFlag.json.error!.code).toBe('USAGE')
    expect(badFlag.json.error!.message).toContain('--version')
    expect(existsSync(join(home, 'chain', 'journal.jsonl'))).toBe(false)
  })

  it('refuses to overwrite a version whose on-chain root differs from the local one', async () => {
    const home = join(dir, 'home-c')
    await newDatanet(home, 'spam', 'v1.jsonl')
    expect((await poa(home, ['datanet', 'commit', 'spam'])).status).toBe(0)
    // Another local store sharing the same chain, with different records under the same name.
    const other = join(dir, 'home-d')
    await cp(join(home, 'chain'), join(other, 'chain'), { recursive: true })
    await newDatanet(other, 'spam', 'other.jsonl')
    const conflict = await poa(other, ['datanet', 'commit', 'spam'])
    expect(conflict.status).toBe(5)
    expect(conflict.json.error).toMatchObject({ code: 'CHAIN_ROOT_CONFLICT', meta: { version: 1, chainDatanetId: '1' } })
  })

  it('maps a revert to exit 5 naming the custom error and its arguments', async () => {
    const home = join(dir, 'home-e')
    await newDatanet(home, 'spam', 'v1.jsonl')
    // On-chain datanet 7 does not exist on this fresh chain: the registry reverts DatanetUnknown(7).
    const missing = await poa(home, ['datanet', 'commit', 'spam', '--chain-datanet', '7'])
    expect(missing.status).toBe(5)
    expect(missing.json.error).toMatchObject({ code: 'CHAIN_REVERT', meta: { contract: 'DatanetRegistry', error: 'DatanetUnknown', args: { datanetId: '7' } } })
  })

  it('lists the 20 dev accounts and mines journaled blocks that a later process still sees', async () => {
    const home = join(dir, 'home-mine')
    const accounts = await poa(home, ['chain', 'accounts'])
    expect(accounts.json.result.accounts).toHaveLength(20)
    expect(accounts.json.result.accounts[1]).toMatchObject({ index: 1, address: OWNER, openBalanceWei: '0' })
    expect(accounts.json.result.accounts[0].openBalanceWei).toBe((10n ** 27n).toString())
    const mined = await poa(home, ['chain', 'mine', '100', '--interval', '12'])
    expect(mined.json.result).toMatchObject({ blocks: 100, blockNumber: 103 })
    const status = await poa(home, ['chain', 'status'])
    expect(status.json.result).toMatchObject({ blockNumber: 103, blockTimestamp: mined.json.result.blockTimestamp })
    const bad = await poa(home, ['chain', 'mine', '0'])
    expect(bad.status).toBe(2)
    expect(bad.json.error!.message).toContain('<blocks>: expected an integer in [1, 10000000], got "0"')
  })

  it('rejects chain options that do not fit together with a usage error', async () => {
    const home = join(dir, 'home-g')
    const keystoreOnly = await poa(home, ['chain', 'status', '--keystore', join(dir, 'k.json')])
    expect(keystoreOnly.status).toBe(2)
    expect(keystoreOnly.json.error!.code).toBe('CHAIN_CONFIG_INVALID')
    const rpcNoKey = await poa(home, ['chain', 'status', '--rpc', 'http://127.0.0.1:9'], { POA_PRIVATE_KEY: '' })
    expect(rpcNoKey.status).toBe(2)
    const unreachable = await poa(home, ['chain', 'status', '--rpc', 'http://127.0.0.1:9', '--private-key', `0x${'11'.repeat(32)}`])
    expect(unreachable.status).toBe(5)
  })
})

describe('poa datanet commit (JSON-RPC chain)', () => {
  let server: { listen(): Promise<{ address: string; port: number }>; close(): Promise<void> }
  let url: string
  beforeAll(async () => {
    const hre = await getHardhatRuntime()
    const provider = await createHardhatNetwork(hre)
    const { JsonRpcServer } = createRequire(import.meta.url)('hardhat/internal/hardhat-network/jsonrpc/server') as {
      JsonRpcServer: new (c: { hostname: string; port: number; provider: unknown }) => typeof server
    }
    server = new JsonRpcServer({ hostname: '127.0.0.1', port: 0, provider })
    const { port } = await server.listen()
    url = `http://127.0.0.1:${port}`
  })
  afterAll(async () => {
    await server.close()
  })

  it('deploys once per chain id, commits with --private-key, and keeps no journal', async () => {
    const home = join(dir, 'home-rpc')
    await newDatanet(home, 'spam', 'v1.jsonl')
    // Hardhat account #1: a funded key on the served network.
    const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
    const committed = await poa(home, ['datanet', 'commit', 'spam', '--rpc', url, '--private-key', key])
    expect(committed.json).toMatchObject({ ok: true, result: { chainId: '31337', chainDatanetId: '1' } })
    expect(committed.status).toBe(0)
    const deployment = JSON.parse(await readFile(join(home, 'chain', 'deployment-31337.json'), 'utf8'))
    expect(deployment.deployer).toBe(OWNER)
    expect(existsSync(join(home, 'chain', 'journal.jsonl'))).toBe(false)
    const status = await poa(home, ['chain', 'status', '--rpc', url], { POA_PRIVATE_KEY: key })
    expect(status.json.result).toMatchObject({ embedded: false, signer: OWNER, contracts: deployment.contracts, deployedAtBlock: deployment.deployedAtBlock })
  })

  it('signs with an encrypted keystore and POA_KEYSTORE_PASSWORD, and rejects a wrong password', async () => {
    const home = join(dir, 'home-keystore')
    // Hardhat account #2; a low scrypt cost keeps the test fast (the format is the same).
    const account = { address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', privateKey: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a' }
    const keystore = join(dir, 'keystore.json')
    await writeFile(keystore, await encryptKeystoreJson(account, 'correct horse', { scrypt: { N: 1 << 10 } }))
    // On an RPC chain, status never spends gas: it asks for an explicit deploy first.
    const before = await poa(home, ['chain', 'status', '--rpc', url, '--keystore', keystore], { POA_KEYSTORE_PASSWORD: 'correct horse' })
    expect(before.status).toBe(5)
    expect(before.json.error!.code).toBe('CHAIN_CONTRACT_NOT_DEPLOYED')
    const deployed = await poa(home, ['chain', 'deploy', '--rpc', url, '--keystore', keystore], { POA_KEYSTORE_PASSWORD: 'correct horse' })
    expect(deployed.json).toMatchObject({ ok: true, result: { deployer: account.address } })
    const ok = await poa(home, ['chain', 'status', '--rpc', url, '--keystore', keystore], { POA_KEYSTORE_PASSWORD: 'correct horse' })
    expect(ok.json).toMatchObject({ ok: true, result: { signer: account.address, embedded: false } })
    const wrong = await poa(home, ['chain', 'status', '--rpc', url, '--keystore', keystore], { POA_KEYSTORE_PASSWORD: 'wrong' })
    expect(wrong.status).toBe(2)
    expect(wrong.json.error).toMatchObject({ code: 'CHAIN_CONFIG_INVALID', meta: { option: '--keystore' } })
  })
})
