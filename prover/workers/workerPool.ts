import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Piscina } from 'piscina'
import { PoaError } from '../errors/index.ts'
import { workerFile } from './workerFile.ts'

/** The one way poa runs work in threads: scoring, Merkle subtree hashing and proving. */
export type WorkerPoolOptions = {
  /** `import.meta.url` of the module starting the pool; the worker module sits next to it. */
  from: string
  /** The worker module's name without extension; its default export handles one task. */
  worker: string
  /** Threads kept for the pool's lifetime (started at once, so the first task does not wait). */
  threads: number
  /** The worker loads ffjavascript (snarkjs, circomlibjs): preload MAIN_THREAD_SHIM first. */
  ffjavascript?: boolean
}

export class WorkerPoolOptionError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('WORKER_POOL_OPTION', 'USAGE', `${field} = ${String(value)}: expected ${expected}`, { meta: { field, value, expected } })
  }
}

const require = createRequire(import.meta.url)

/**
 * Preloaded into threads that load ffjavascript (snarkjs, circomlibjs). Its thread pool comes from
 * the `web-worker` package, which in any non-main thread takes itself for the worker side: it reads
 * `workerData.mod` as a script to run (crashing when absent) and exports no constructor ("Worker is
 * not a constructor"). Marking the thread as a main thread before those packages load makes it
 * export its constructor, so Poseidon loads and snarkjs still spawns its multiplication threads
 * from inside the worker. Those helper threads inherit the worker's execArgv, shim included, but must
 * stay worker threads (or they never run their script and proving hangs): the shim acts only in a
 * thread whose workerData carries MAIN_THREAD_FLAG, which the pool sets on its own threads only. A
 * data: URL because tsx's hooks do not reach a second `--import` in a worker on Node 20, and a
 * file would need a compiled twin.
 */
const MAIN_THREAD_FLAG = 'poaActsAsMainThread'
const MAIN_THREAD_SHIM = `data:text/javascript,${encodeURIComponent(
  `import threads from 'node:worker_threads'; if (threads.workerData?.${MAIN_THREAD_FLAG}) Object.defineProperty(threads, 'isMainThread', { value: true })`,
)}`

/**
 * A piscina pool running `worker` next to `from`. From the sources the worker is TypeScript, so the
 * thread preloads tsx, resolved from this package (an absolute URL, not `--import tsx`, which Node
 * resolves from the working directory and so fails when poa runs from another folder). From dist/
 * the worker is JavaScript and the thread preloads nothing. execArgv is always set, so threads
 * never inherit the parent's flags (a parent started with `--import tsx` would otherwise pass it on).
 */
export function createWorkerPool({ from, worker, threads, ffjavascript = false }: WorkerPoolOptions): Piscina {
  if (!Number.isInteger(threads) || threads < 1) throw new WorkerPoolOptionError({ field: 'threads', value: threads, expected: 'a positive integer' })
  const filename = workerFile(from, worker)
  const execArgv: string[] = []
  if (filename.endsWith('.ts')) execArgv.push('--import', pathToFileURL(require.resolve('tsx')).href)
  if (ffjavascript) execArgv.push('--import', MAIN_THREAD_SHIM)
  const workerData = ffjavascript ? { [MAIN_THREAD_FLAG]: true } : undefined
  return new Piscina({ filename, minThreads: threads, maxThreads: threads, execArgv, workerData })
}
