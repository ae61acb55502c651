import { readFile } from 'node:fs/promises'
import * as ort from 'onnxruntime-node'
import { createSession, densify, vectorizeNonEmpty, type ProviderName, type ProviderRequest, type SparseVector } from '../influence/index.ts'
import { AdapterOptionError } from './adapterErrors.ts'
import { adapterTensorBytes, decodeAdapter, type Adapter } from './adapterFile.ts'
import { ByteLruCache, type CacheMetrics } from './adapterCache.ts'
import { buildHostOnnx } from './adapterGraphs.ts'
import type { BaseModel } from './baseModel.ts'

/**
 * Serve many adapters over one base: one onnxruntime session holds the base's W0 (created once,
 * adapterGraphs.ts's host graph); an adapter's A, B and head are graph inputs, read from its file
 * just in time on a cache miss into a byte-capped LRU cache (adapterCache.ts). Requests wait up to
 * `windowMs` in a queue and are then run as one batch per adapter (one session.run per adapter per
 * window), so a popular adapter's requests share a call. Batches run one at a time, in the order
 * their adapters first appeared in the window.
 */
export type AdapterHostParameters = {
  base: BaseModel & { sha256: string }
  /** The file of adapter `id`, read on a miss. */
  adapterFile: (id: string) => string
  /** Cap on the adapters' tensors held in memory, in bytes. */
  cacheBytes: number
  /** How long a request may wait for others to the same adapter (default 2 ms). */
  windowMs?: number
  /** Most rows per session.run (default 256); a full queue flushes at once. */
  maxBatch?: number
  provider?: ProviderRequest
}

export type HostRequest = { adapter: string } & ({ text: string } | { row: SparseVector })
export type HostResult = { probabilities: Float32Array; class: number; label: string }
export type HostMetrics = CacheMetrics & { requests: number; batches: number; loads: number; loadedFileBytes: number; largestBatch: number; baseBytes: number; provider: ProviderName }

export type AdapterHost = {
  infer(request: HostRequest): Promise<HostResult>
  metrics(): HostMetrics
  /** The cached adapters, least recently used first. */
  cached(): string[]
  close(): Promise<void>
}

type Entry = { adapter: Adapter; feeds: Record<string, ort.Tensor> }
type Pending = { row: SparseVector; resolve: (r: HostResult) => void; reject: (e: unknown) => void }

export async function createAdapterHost(p: AdapterHostParameters): Promise<AdapterHost> {
  const windowMs = p.windowMs ?? 2
  const maxBatch = p.maxBatch ?? 256
  if (!(windowMs >= 0)) throw new AdapterOptionError({ option: 'windowMs', value: windowMs, expected: '>= 0' })
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new AdapterOptionError({ option: 'maxBatch', value: maxBatch, expected: 'a positive integer' })
  const { base } = p
  const { inputDim: d, hiddenDim: h } = base
  const cache = new ByteLruCache<Entry>(p.cacheBytes)
  const opened = await createSession({ bytes: buildHostOnnx(base), provider: p.provider ?? 'cpu' })
  const session = opened.session
  const counts = { requests: 0, batches: 0, loads: 0, loadedFileBytes: 0, largestBatch: 0 }
  const loading = new Map<string, Promise<Entry>>()
  let queue = new Map<string, Pending[]>()
  let queued = 0
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  async function load(id: string): Promise<Entry> {
    const file = p.adapterFile(id)
    const bytes = new Uint8Array(await readFile(file))
    const adapter = decodeAdapter(bytes, file, base)
    const C = adapter.labels.length
    const entry: Entry = {
      adapter,
      feeds: {
        A: new ort.Tensor('float32', adapter.A, [d, adapter.rank]),
        B: new ort.Tensor('float32', adapter.B, [adapter.rank, h]),
        'head.W': new ort.Tensor('float32', adapter.headW, [C, h]),
        'head.b': new ort.Tensor('float32', adapter.headB, [C]),
      },
    }
    counts.loads++
    counts.loadedFileBytes += bytes.length
    cache.set(id, entry, adapterTensorBytes(adapter))
    return entry
  }

  function entryOf(id: string): Promise<Entry> {
    const hit = cache.get(id)
    if (hit) return Promise.resolve(hit)
    let pending = loading.get(id)
    if (!pending) {
      pending = load(id).finally(() => loading.delete(id))
      loading.set(id, pending)
    }
    return pending
  }

  async function runGroup(id: string, items: Pending[], entry: Promise<Entry>): Promise<void> {
    let e: Entry
    try {
      e = await entry
    } catch (error) {
      for (const it of items) it.reject(error)
      return
    }
    const C = e.adapter.labels.length
    for (let start = 0; start < items.length; start += maxBatch) {
      const chunk = items.slice(start, start + maxBatch)
      try {
        const x = new ort.Tensor('float32', densify(chunk.map((c) => c.row), d), [chunk.length, d])
        const out = await session.run({ input: x, ...e.feeds }, ['probs'])
        const probs = out.probs.data as Float32Array
        counts.batches++
        counts.largestBatch = Math.max(counts.largestBatch, chunk.length)
        chunk.forEach((c, i) => {
          const row = probs.slice(i * C, (i + 1) * C)
          let best = 0
          for (let j = 1; j < C; j++) if (row[j] > row[best]) best = j
          c.resolve({ probabilities: row, class: best, label: e.adapter.labels[best] })
        })
      } catch (error) {
        for (const it of chunk) it.reject(error)
      }
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer)
    timer = undefined
    const groups = queue
    queue = new Map()
    queued = 0
    // Start every miss's file read now; run the batches one after another on the one session.
    const entries = new Map([...groups.keys()].map((id) => [id, entryOf(id)] as const))
    for (const entry of entries.values()) entry.catch(() => {}) // rejected to the group's requests in runGroup
    running = running.then(async () => {
      for (const [id, items] of groups) await runGroup(id, items, entries.get(id)!)
    })
  }

  return {
    infer(request: HostRequest): Promise<HostResult> {
      counts.requests++
      let row: SparseVector
      try {
        row = 'row' in request ? request.row : vectorizeNonEmpty([request.text], base.vectorizer, () => 'query text')[0]
      } catch (error) {
        return Promise.reject(error) // a text with no term (EMPTY_VECTOR): this request fails, not the caller's loop
      }
      return new Promise<HostResult>((resolve, reject) => {
        const list = queue.get(request.adapter)
        if (list) list.push({ row, resolve, reject })
        else queue.set(request.adapter, [{ row, resolve, reject }])
        queued++
        if (queued >= maxBatch) flush()
        else if (!timer) timer = setTimeout(flush, windowMs)
      })
    },
    metrics: () => ({ ...cache.metrics(), ...counts, baseBytes: 4 * (base.W0.length + base.b0.length), provider: opened.provider }),
    cached: () => cache.keys(),
    async close() {
      if (queued > 0) flush()
      await running
      await session.release()
    },
  }
}
