import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { SubtreeResult } from './subtreeWorker.ts'

export type HashSubtreesParameters = {
  leaves: readonly bigint[]
  /** Height of each chunk's subtree: chunks are 2^height aligned leaves. */
  height: number
  zeros: readonly bigint[]
  workers: number
  signal?: AbortSignal
  /** Called as chunks finish, with hashes done so far. */
  onHashes?: (hashes: number) => void
}

/**
 * Hash the lower `height` levels of a Merkle tree in worker threads. The leaves are cut into
 * aligned chunks of 2^height; each chunk is an independent subtree, so workers never wait on each
 * other and the results concatenate level by level. Chunks are handed out from a queue, so a worker
 * slowed by another process on the same core takes fewer of them. Returns levels 1..height.
 *
 * Workers are TypeScript run through tsx: a worker's execArgv cannot carry `--import tsx` on
 * Node 20, so a two-line bootstrap registers tsx inside the thread and then imports the worker.
 */
// circomlibjs -> ffjavascript -> `web-worker`, which, loaded in any non-main thread, assumes it is
// its own worker and reads `workerData.mod` as a script to run (crashing when absent). Hand it an
// empty script: it then only installs an unused `self` event target.
const WEB_WORKER_SHIM = { mod: 'data:text/javascript,', type: 'classic' }

export async function hashSubtrees({ leaves, height, zeros, workers, signal, onHashes }: HashSubtreesParameters): Promise<bigint[][]> {
  const chunkSize = 2 ** height
  const chunkCount = Math.ceil(leaves.length / chunkSize)
  const results: bigint[][][] = new Array(chunkCount)
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href
  const target = new URL('./subtreeWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}) })`
  const pool = Array.from({ length: Math.min(workers, chunkCount) }, () => new Worker(bootstrap, { eval: true, workerData: WEB_WORKER_SHIM }))
  let next = 0
  let hashes = 0
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0
      const fail = (error: unknown) => reject(error)
      if (signal?.aborted) return reject(signal.reason)
      signal?.addEventListener('abort', () => fail(signal.reason), { once: true })
      const feed = (worker: Worker) => {
        if (next >= chunkCount) {
          if (running === 0) resolve()
          return
        }
        const id = next++
        running++
        worker.postMessage({ id, leaves: leaves.slice(id * chunkSize, (id + 1) * chunkSize), height, zeros: zeros.slice(0, height) })
      }
      for (const worker of pool) {
        worker.on('error', fail)
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`Merkle hashing worker exited with code ${code}`))
        })
        worker.on('message', (message: SubtreeResult) => {
          running--
          if ('error' in message) return fail(new Error(`Merkle hashing worker failed on chunk ${message.id}: ${message.error}`))
          results[message.id] = message.levels
          hashes += message.levels.reduce((sum, level) => sum + level.length, 0)
          onHashes?.(hashes)
          feed(worker)
        })
      }
      pool.forEach(feed)
    })
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
  const levels: bigint[][] = []
  for (let l = 0; l < height; l++) {
    const level: bigint[] = []
    for (const chunk of results) for (const node of chunk[l]) level.push(node)
    levels.push(level)
  }
  return levels
}
