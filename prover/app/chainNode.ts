import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { ChainConfigError } from '../chain/chainErrors.ts'
import { devWallet } from '../chain/embeddedChain.ts'
import { devAccounts, startLocalNode, type DevAccount, type LocalNode } from '../chain/localNode.ts'
import type { ChainTarget } from '../chain/connectChain.ts'
import { homeLayout } from '../layout/index.ts'
import { processAlive, processStartOf } from '../lock/index.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'

/**
 * The shared local chain as a separate process: `poa chain serve` runs it in the foreground,
 * `poa chain start` runs it in the background and returns once it answers, `poa chain stop` ends
 * it. While a node serves a home, every command in that home (without --rpc) talks to it instead of
 * opening the embedded chain itself, signing with development account 0 like the embedded chain.
 */
export type ChainNodeInfo = { pid: number; processStart?: string; url: string; chainId: string; home: string; startedAt: string }

/** The node serving `home`'s chain, if one is alive (a file left by a killed node is removed). */
export function readChainNode(home: string): ChainNodeInfo | undefined {
  const file = homeLayout(home).chainNodeFile
  let info: ChainNodeInfo
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as ChainNodeInfo
  } catch {
    return undefined
  }
  if (!Number.isInteger(info.pid) || !processAlive(info.pid, info.processStart)) {
    rmSync(file, { force: true })
    return undefined
  }
  return info
}

/**
 * The chain target a workflow uses when the caller named none: the node serving this home if one
 * runs (signing with `privateKey` or development account 0), else the embedded chain.
 */
export function defaultChainTarget(home: string, privateKey?: string): ChainTarget {
  const node = readChainNode(home)
  return node ? { rpc: node.url, privateKey: privateKey ?? devWallet(0).privateKey } : {}
}

export type ServeChainParameters = AppFolders & Pick<AppReporting, 'onProgress'> & { host?: string; port?: number }

/** Serve `home`'s chain here (foreground) and publish its URL in `<home>/chain/node.json` until closed. */
export async function serveChain(p: ServeChainParameters): Promise<LocalNode> {
  const node = await startLocalNode({ home: p.home, host: p.host, port: p.port, onProgress: p.onProgress?.('replaying the chain journal') })
  const file = homeLayout(p.home).chainNodeFile
  const info: ChainNodeInfo = { pid: process.pid, processStart: processStartOf(process.pid), url: node.url, chainId: node.chainId.toString(), home: p.home, startedAt: new Date().toISOString() }
  mkdirSync(homeLayout(p.home).chainDir, { recursive: true })
  writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 1))
  renameSync(`${file}.tmp`, file)
  return {
    ...node,
    async close() {
      rmSync(file, { force: true })
      await node.close()
    },
  }
}

export type StartChainNodeParameters = AppFolders & {
  host?: string
  port?: number
  /** How to run `poa` in the child (the CLI passes its own node binary and script). */
  command: string[]
  /** Give up when the node has not answered after this long (default 120 s: a long journal replays first). */
  timeoutMs?: number
  log?: (line: string) => void
}

export type StartedChainNode = ChainNodeInfo & { accounts: DevAccount[]; alreadyRunning: boolean; logFile: string }

/** Start `poa chain serve` for `home` as a detached process and wait until it publishes its URL. */
export async function startChainNode(p: StartChainNodeParameters): Promise<StartedChainNode> {
  const layout = homeLayout(p.home)
  const running = readChainNode(p.home)
  if (running) return { ...running, accounts: devAccounts(), alreadyRunning: true, logFile: layout.chainNodeLog }
  mkdirSync(layout.chainDir, { recursive: true })
  const out = openSync(layout.chainNodeLog, 'a')
  const args = [...p.command.slice(1), '--home', p.home, ...(p.buildDir ? ['--build-dir', p.buildDir] : []), 'chain', 'serve', '--port', String(p.port ?? 8545), ...(p.host ? ['--host', p.host] : [])]
  const child = spawn(p.command[0], args, { detached: true, stdio: ['ignore', out, out] })
  closeSync(out)
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  child.unref()
  const deadline = Date.now() + (p.timeoutMs ?? 120_000)
  let lastNotice = Date.now()
  for (;;) {
    const info = readChainNode(p.home)
    if (info && info.pid === child.pid) return { ...info, accounts: devAccounts(), alreadyRunning: false, logFile: layout.chainNodeLog }
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) child.kill('SIGTERM')
      const tail = existsSync(layout.chainNodeLog) ? readFileSync(layout.chainNodeLog, 'utf8').trim().split('\n').slice(-5).join('\n') : ''
      throw new ChainConfigError({ option: 'chain start', reason: `the node ${exited === undefined ? 'did not answer in time' : `exited with status ${exited}`}; the end of ${layout.chainNodeLog}:\n${tail}` })
    }
    if (Date.now() - lastNotice > 10_000) {
      lastNotice = Date.now()
      p.log?.(`waiting for the chain node (pid ${child.pid}) to replay its journal and listen...`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Stop the node serving `home` (SIGTERM, then wait for it to close its journal); false when none ran. */
export async function stopChainNode({ home, timeoutMs = 30_000 }: { home: string; timeoutMs?: number }): Promise<{ stopped: boolean; pid?: number }> {
  const info = readChainNode(home)
  if (!info) return { stopped: false }
  process.kill(info.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (processAlive(info.pid, info.processStart)) {
    if (Date.now() > deadline) throw new ChainConfigError({ option: 'chain stop', reason: `process ${info.pid} did not stop within ${timeoutMs / 1000} s` })
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  rmSync(homeLayout(home).chainNodeFile, { force: true })
  return { stopped: true, pid: info.pid }
}
