// `poa chain start | stop` (issue 14, item 1): a shared local chain as a real separate process,
// used by commands in its home without flags and by other homes through --rpc.
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPoa } from './runPoa.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-chain-node-'))
const other = mkdtempSync(join(tmpdir(), 'poa-chain-other-'))
afterAll(() => {
  runPoa(home, 'chain', 'stop')
})

describe('poa chain start / stop', () => {
  it('starts a node, serves its deployment to this home and to another, keeps state across a restart, and stops', () => {
    const started = runPoa(home, '--json', 'chain', 'start', '--port', '0')
    expect(started.status, started.stderr).toBe(0)
    const { url, pid, accounts } = started.json.result
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(accounts).toHaveLength(20)
    expect(existsSync(join(home, 'chain', 'node.json'))).toBe(true)
    // A second start finds the running node instead of starting another.
    expect(runPoa(home, '--json', 'chain', 'start', '--port', '0').json.result).toMatchObject({ pid, url, alreadyRunning: true })

    // This home: no flags, the node is used (not the embedded chain, whose lock the node holds).
    const here = runPoa(home, '--json', 'chain', 'status')
    expect(here.status, here.stderr).toBe(0)
    expect(here.json.result).toMatchObject({ embedded: false, signer: accounts[0].address })
    // Another home, another key: the same contracts, no second deployment.
    const there = runPoa(other, '--json', 'chain', 'status', '--rpc', url, '--private-key', accounts[3].privateKey)
    expect(there.status, there.stderr).toBe(0)
    expect(there.json.result.contracts).toEqual(here.json.result.contracts)
    expect(there.json.result.signer).toBe(accounts[3].address)
    // Blocks mined through the node are journaled in its home.
    const mined = runPoa(home, '--json', 'chain', 'mine', '5')
    expect(mined.status, mined.stderr).toBe(0)
    // Any process sharing the node moves its clock (a token holder past a voting period), no key needed.
    const minedThere = runPoa(other, '--json', 'chain', 'mine', '3', '--interval', '60', '--rpc', url)
    expect(minedThere.status, minedThere.stderr).toBe(0)
    expect(minedThere.json.result.blockNumber).toBe(mined.json.result.blockNumber + 3)
    const height = minedThere.json.result.blockNumber

    const stopped = runPoa(home, '--json', 'chain', 'stop')
    expect(stopped.json.result).toEqual({ stopped: true, pid })
    expect(existsSync(join(home, 'chain', 'node.json'))).toBe(false)
    expect(runPoa(home, '--json', 'chain', 'stop').json.result).toEqual({ stopped: false })
    // Stopped: the home's embedded chain replays the same state.
    const after = runPoa(home, '--json', 'chain', 'status')
    expect(after.json.result).toMatchObject({ embedded: true, blockNumber: height, contracts: here.json.result.contracts })
  }, 600_000)

  it('refuses a port that is not a port, as a usage error', () => {
    const bad = runPoa(home, '--json', 'chain', 'start', '--port', '99999')
    expect(bad.status).toBe(2)
    expect(bad.json.error.code).toBe('USAGE')
  })
})
