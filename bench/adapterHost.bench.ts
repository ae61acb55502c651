/**
 * OpenLoRA host against one separately loaded model per request (issue 20 part 3).
 * Setup (untimed, in this process): a base (Spam Assassin, 600 mails, d = 1024, h = 128) trained
 * once, one rank-4 adapter trained on 400 other mails, and 1,000 adapters DERIVED from it
 * deterministically (adapter i: A, B and head plus N(0, 0.05^2) noise from gaussianStream(1000 + i)),
 * written as files; a Zipf(s = 1) request mix over them (adapter popularity order shuffled by
 * mulberry32(3)), each request a held-out mail, vectorised beforehand (both sides serve rows).
 * Each measured phase runs in its own child process (clean RSS), 32 concurrent clients:
 * - host: createAdapterHost, one session with the base, LRU cache holding 10% (100 adapters' bytes),
 *   2 ms batching window;
 * - host, no batching: the same with maxBatch 1 (every request its own session.run);
 * - separate model per request: read that adapter's own model.onnx (base + adapter, written
 *   beforehand), create a session, run the one row, release it.
 * Prints one JSON line per phase and a markdown table. Run: npx tsx bench/adapterHost.bench.ts
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { mulberry32 } from '../prover/dataset/mulberry32.ts'
import { gaussianStream } from '../prover/influence/seededRandom.ts'
import { createSession, densify, vectorize, type SparseVector } from '../prover/influence/index.ts'
import {
  trainBase, trainAdapter, encodeBaseModel, decodeBaseModel, encodeAdapter, adapterTensorBytes, createAdapterHost, buildAdapterModelOnnx, sha256Hex, type Adapter,
} from '../prover/adapters/index.ts'

const ADAPTERS = 1000
const HOST_REQUESTS = 4000
const SEPARATE_REQUESTS = 400
const CLIENTS = 32
const DIR = join(tmpdir(), 'poa-adapter-bench')
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))

type Phase = 'host' | 'host-unbatched' | 'separate'
type Plan = { adapters: number; requests: { adapter: number; row: number }[]; rows: { indices: number[]; values: number[] }[]; cacheBytes: number; adapterBytes: number; adapterFileBytes: number; baseFileBytes: number }

function zipfSampler(n: number, s: number, next: () => number): () => number {
  const cdf = new Float64Array(n)
  let acc = 0
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / (i + 1) ** s
  return () => {
    const u = next() * acc
    let lo = 0, hi = n - 1
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < u) lo = mid + 1; else hi = mid }
    return lo
  }
}

async function prepare(): Promise<Plan> {
  mkdirSync(join(DIR, 'adapters'), { recursive: true })
  mkdirSync(join(DIR, 'models'), { recursive: true })
  const t0 = Date.now()
  const mails = loadSpamAssassin({ limit: 1200, seed: 11 })
  const baseBytes = encodeBaseModel(await trainBase({ records: mails.slice(0, 600), hiddenDim: 128, epochs: 4, seed: 1 }))
  const base = decodeBaseModel(baseBytes, 'base.poa')
  writeFileSync(join(DIR, 'base.poa'), baseBytes)
  const { adapter } = await trainAdapter({ base, records: mails.slice(600, 1000), epochs: 10 })
  line({ step: 'setup', baseSeconds: (Date.now() - t0) / 1000, baseSha256: base.sha256, adapterTrainAccuracy: adapter.training!.accuracy })
  const derive = (i: number): Adapter => {
    const g = gaussianStream(1000 + i)
    const noisy = (x: Float32Array) => x.map((v) => v + 0.05 * g())
    return { ...adapter, A: noisy(adapter.A), B: noisy(adapter.B), headW: noisy(adapter.headW), headB: noisy(adapter.headB), training: undefined }
  }
  let adapterFileBytes = 0
  for (let i = 0; i < ADAPTERS; i++) {
    const bytes = encodeAdapter(derive(i), base)
    adapterFileBytes = bytes.length
    writeFileSync(join(DIR, 'adapters', `${i}.poa`), bytes)
  }
  const rows = mails.slice(1000).map((m) => vectorize(m.content, base.vectorizer))
  const next = mulberry32(3)
  const popularity = Array.from({ length: ADAPTERS }, (_, i) => i)
  for (let i = ADAPTERS - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [popularity[i], popularity[j]] = [popularity[j], popularity[i]] }
  const zipf = zipfSampler(ADAPTERS, 1, next)
  const requests = Array.from({ length: HOST_REQUESTS }, () => ({ adapter: popularity[zipf()], row: Math.floor(next() * rows.length) }))
  // The separate-model phase serves the first SEPARATE_REQUESTS requests: write their adapters' own model.onnx.
  for (const r of requests.slice(0, SEPARATE_REQUESTS)) {
    const file = join(DIR, 'models', `${r.adapter}.onnx`)
    if (existsSync(file)) continue
    const a = derive(r.adapter)
    writeFileSync(file, buildAdapterModelOnnx(base, a, { baseSha256: base.sha256, adapterSha256: sha256Hex(encodeAdapter(a, base)) }))
  }
  const adapterBytes = adapterTensorBytes(adapter)
  line({ step: 'files', adapters: ADAPTERS, adapterFileBytes, baseFileBytes: baseBytes.length, modelOnnxBytes: readFileSync(join(DIR, 'models', `${requests[0].adapter}.onnx`)).length, setupSeconds: (Date.now() - t0) / 1000 })
  return {
    adapters: ADAPTERS, requests, rows: rows.map((r) => ({ indices: Array.from(r.indices), values: Array.from(r.values) })),
    cacheBytes: Math.floor(ADAPTERS / 10) * adapterBytes, adapterBytes, adapterFileBytes, baseFileBytes: baseBytes.length,
  }
}

/** Run `serve` for each request with CLIENTS concurrent clients; latencies in ms, peak RSS sampled every 20 ms. */
async function drive(requests: Plan['requests'], serve: (r: Plan['requests'][number]) => Promise<unknown>) {
  const latencies = new Float64Array(requests.length)
  let nextIndex = 0
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 20)
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (nextIndex < requests.length) {
      const i = nextIndex++
      const t = performance.now()
      await serve(requests[i])
      latencies[i] = performance.now() - t
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const sorted = Float64Array.from(latencies).sort()
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  return { requests: requests.length, seconds, throughput: requests.length / seconds, p50Ms: q(0.5), p99Ms: q(0.99), peakRssMiB: peakRss / 2 ** 20 }
}

async function runPhase(phase: Phase): Promise<void> {
  const plan = JSON.parse(readFileSync(join(DIR, 'plan.json'), 'utf8')) as Plan
  const rows: SparseVector[] = plan.rows.map((r) => ({ indices: Int32Array.from(r.indices), values: Float32Array.from(r.values) }))
  const rssStart = process.memoryUsage().rss / 2 ** 20
  if (phase === 'separate') {
    const result = await drive(plan.requests.slice(0, SEPARATE_REQUESTS), async (r) => {
      const bytes = new Uint8Array(await readFile(join(DIR, 'models', `${r.adapter}.onnx`)))
      const { session } = await createSession({ bytes, provider: 'cpu', intraOpThreads: 1 })
      try {
        await session.run({ input: new ort.Tensor('float32', densify([rows[r.row]], 1024), [1, 1024]) }, ['probs'])
      } finally {
        await session.release()
      }
    })
    line({ phase, rssStartMiB: rssStart, ...result })
    return
  }
  const base = decodeBaseModel(new Uint8Array(readFileSync(join(DIR, 'base.poa'))), join(DIR, 'base.poa'))
  const host = await createAdapterHost({
    base, adapterFile: (id) => join(DIR, 'adapters', `${id}.poa`), cacheBytes: plan.cacheBytes, windowMs: 2, maxBatch: phase === 'host' ? 256 : 1,
  })
  const result = await drive(plan.requests, (r) => host.infer({ adapter: String(r.adapter), row: rows[r.row] }))
  const m = host.metrics()
  await host.close()
  line({ phase, rssStartMiB: rssStart, ...result, hits: m.hits, misses: m.misses, evictions: m.evictions, loads: m.loads, cachedBytes: m.bytes, capBytes: m.capBytes, batches: m.batches, largestBatch: m.largestBatch, baseBytes: m.baseBytes })
}

function child(phase: Phase): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--phase', phase], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (d) => { out += d })
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`phase ${phase} exited ${code}`))
      const last = out.trim().split('\n').pop()!
      console.log(last)
      resolve(JSON.parse(last))
    })
  })
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--phase')
  if (at >= 0) return runPhase(process.argv[at + 1] as Phase)
  const plan = await prepare()
  writeFileSync(join(DIR, 'plan.json'), JSON.stringify(plan))
  const host = await child('host')
  const unbatched = await child('host-unbatched')
  const separate = await child('separate')
  const f = (x: unknown, d = 1) => Number(x).toFixed(d)
  const rowOf = (name: string, r: Record<string, number | string>) =>
    `| ${name} | ${r.requests} | ${f(r.throughput, 0)} (${f(Number(r.throughput) / Number(separate.throughput), 1)}x) | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.peakRssMiB, 0)} | ${r.hits === undefined ? '-' : `${r.hits} / ${r.misses} / ${r.evictions}`} |`
  console.log([
    `\n${ADAPTERS} adapters (${plan.adapterFileBytes} B files, ${plan.adapterBytes} B in memory), base ${plan.baseFileBytes} B, Zipf(1) mix, cache ${plan.cacheBytes} B (10%), ${CLIENTS} concurrent clients`,
    '| serving | requests | throughput req/s (x separate) | p50 ms | p99 ms | peak RSS MiB | hits / misses / evictions |',
    '|---|---|---|---|---|---|---|',
    rowOf('host: one base session, LRU 10%, 2 ms batches per adapter', host),
    rowOf('host without batching (maxBatch 1)', unbatched),
    rowOf('separate model per request (new session)', separate),
  ].join('\n'))
}

await main()
