// `poa chain start`'s library half: one home's journaled chain served over JSON-RPC, shared by
// clients with other homes, state kept across restarts, state changes outside the journal refused.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonRpcProvider } from 'ethers'
import { connectChain, devAccounts, startLocalNode, type LocalNode } from '../prover/chain/index.ts'
import { createDatanetOnChain, readDatanetOnChain } from '../prover/clients/index.ts'

const fresh = (name: string) => mkdtempSync(join(tmpdir(), `poa-node-${name}-`))
const nodes: LocalNode[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
})

describe('poa local node', () => {
  it('serves one deployment to clients of other homes and keeps their transactions across a restart', async () => {
    const nodeHome = fresh('server')
    const node = await startLocalNode({ home: nodeHome, port: 0 })
    nodes.push(node)
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(node.chainId).toBe(31337n)
    expect(node.accounts[1]).toEqual(devAccounts()[1])
    expect(node.accounts).toHaveLength(20)

    // A Datanet owner in another home, with another key, uses the node's contracts (no second deploy).
    const owner = await connectChain({ home: fresh('owner'), rpc: node.url, privateKey: node.accounts[1].privateKey })
    expect(owner.deployment.contracts.DatanetRegistry).toBe(node.deployment.contracts.DatanetRegistry)
    const { datanetId } = await createDatanetOnChain({ chain: owner, metadataURI: 'poa:shared' })
    await owner.close()

    await node.close()
    nodes.pop()
    const again = await startLocalNode({ home: nodeHome, port: 0 })
    nodes.push(again)
    expect(again.deployment.contracts).toEqual(node.deployment.contracts)
    const reader = await connectChain({ home: fresh('reader'), rpc: again.url, privateKey: again.accounts[2].privateKey })
    const onChain = await readDatanetOnChain({ chain: reader, datanetId })
    expect(onChain.owner).toBe(node.accounts[1].address)
    expect(onChain.metadataURI).toBe('poa:shared')
    await reader.close()
  }, 300_000)

  it('refuses state changes outside the journal by name, and mines journaled blocks', async () => {
    const node = await startLocalNode({ home: fresh('refuse'), port: 0 })
    nodes.push(node)
    const rpc = new JsonRpcProvider(node.url, undefined, { staticNetwork: true })
    try {
      for (const method of ['eth_sendTransaction', 'evm_snapshot', 'hardhat_setBalance', 'evm_increaseTime']) {
        await expect(rpc.send(method, [])).rejects.toThrow(new RegExp(`${method} is not served by poa chain: it would change state outside the chain's journal`))
      }
      await expect(rpc.send('eth_sendRawTransaction', ['nothex'])).rejects.toThrow(/expects one hex-encoded signed transaction/)
      const height = async () => Number(await rpc.send('eth_blockNumber', []))
      const before = await height()
      await rpc.send('hardhat_mine', ['0x3'])
      expect(await height()).toBe(before + 3)
      expect(await rpc.send('poa_deployment', [])).toEqual(node.deployment)
    } finally {
      rpc.destroy()
    }
  }, 300_000)

  it('refuses a bad port and a home another process serves', async () => {
    await expect(startLocalNode({ home: fresh('port'), port: 70000 })).rejects.toThrow('--port: expected a TCP port 0..65535, got 70000')
    const home = fresh('busy')
    const node = await startLocalNode({ home, port: 0 })
    nodes.push(node)
    await expect(startLocalNode({ home, port: 0, lockTimeoutMs: 300 })).rejects.toThrow(/chain\/lock is held by process \d+/)
  }, 300_000)
})
