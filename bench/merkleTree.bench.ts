/**
 * Merkle tree build speed: WebAssembly Poseidon in-thread vs worker threads vs the native C hasher
 * (1 and N pthreads), for 2^16 and 2^20 leaves; the 4-ary attribution-index tree (WebAssembly
 * Poseidon(4), in-thread) over the same leaves, against the binary in-thread build; plus a 2^16-record
 * datanet end to end (import = leaf hashing + tree + one SQLite transaction; rebuild from cached
 * leaves). Run: `npx tsx bench/merkleTree.bench.ts [--sizes 16,20] [--workers 2] [--js-max 20] [--no-datanet]`.
 * Prints cores, Node version and parameters, then one JSON line per case; `ratio` is the case's
 * time over the baseline named on the line (the in-thread WebAssembly build of the same size),
 * measured in the same run.
 */
import { cpus, tmpdir } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { buildMerkleTree, buildQuaternaryTree, loadNativeHasher, type MerkleBackend } from '../prover/merkle/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { openDatanetStore } from '../prover/datanet/index.ts'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const sizes = arg('sizes', '16,20').split(',').map(Number)
const workers = Number(arg('workers', String(Math.max(2, cpus().length))))
const withDatanet = !process.argv.includes('--no-datanet')
const jsMax = Number(arg('js-max', '20'))

// Leaves are distinct field elements derived from their index: the hashing cost does not depend on values.
const leavesFor = (n: number) => Array.from({ length: n }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n + 1n) << 64n)
const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now()
  const value = await work()
  return { ms: performance.now() - start, value }
}

console.log(`cores: ${cpus().length} (${cpus()[0]?.model ?? 'unknown'})`)
console.log(`node: ${process.version}`)
console.log(`parameters: sizes 2^${sizes.join(', 2^')}, depth = log2(size), workers/threads ${workers}, WebAssembly baseline up to 2^${jsMax}, datanet case ${withDatanet ? '2^16 records, depth 20, backend auto' : 'off'}`)
await getPoseidon() // load the WebAssembly once, outside every measurement

const native = await loadNativeHasher()
console.log(`native hasher: ${native.hasher ? native.hasher.binary : `unavailable (${native.reason})`}`)
type Variant = { name: string; workers: number; backend: MerkleBackend }
const variants: Variant[] = [
  { name: 'js-in-thread', workers: 1, backend: 'js' },
  { name: `js-${workers}-workers`, workers, backend: 'js' },
  ...(native.hasher
    ? [{ name: 'native-1-thread', workers: 1, backend: 'native' as const }, { name: `native-${workers}-threads`, workers, backend: 'native' as const }]
    : []),
]

for (const power of sizes) {
  const leaves = leavesFor(2 ** power)
  // The in-thread WebAssembly build is the baseline; above --js-max it would take minutes, so the
  // native single-thread build stands in (the line says which).
  const runnable = variants.filter((v) => v.backend === 'native' || power <= jsMax)
  let baseline: { name: string; ms: number; root: bigint } | undefined
  for (const v of runnable) {
    const r = await timed(() => buildMerkleTree({ leaves, depth: power, workers: v.workers, backend: v.backend }))
    baseline ??= { name: v.name, ms: r.ms, root: r.value.root }
    if (r.value.root !== baseline.root) throw new Error(`${v.name} build of 2^${power} gave another root than ${baseline.name}`)
    console.log(JSON.stringify({
      case: `tree-2^${power}-${v.name}`, leaves: leaves.length, depth: power, backend: v.backend, workers: v.workers,
      ms: Math.round(r.ms), hashesPerS: Math.round(leaves.length / (r.ms / 1000)), root: hex(r.value.root),
      baseline: baseline.name, ratio: +(r.ms / baseline.ms).toFixed(3),
    }))
  }
  // The attribution index's 4-ary tree: a third as many hashes, each a Poseidon(4).
  const q = await timed(() => buildQuaternaryTree({ leaves, levels: Math.ceil(power / 2) }))
  console.log(JSON.stringify({
    case: `index-tree-2^${power}-4ary-js-in-thread`, leaves: leaves.length, levels: Math.ceil(power / 2), ms: Math.round(q.ms),
    baseline: baseline?.name, ratio: baseline ? +(q.ms / baseline.ms).toFixed(3) : null,
  }))
}

if (withDatanet) {
  const home = mkdtempSync(join(tmpdir(), 'poa-bench-'))
  const store = openDatanetStore({ home })
  try {
    const n = 2 ** 16
    const contributors = Array.from({ length: 97 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`)
    const records = Array.from({ length: n }, (_, i) => ({ contributor: contributors[i % contributors.length], content: `bench record ${i}: ${'lorem ipsum '.repeat(8)}` }))
    store.createDatanet({ name: 'bench', owner: contributors[0], depth: 20 })
    const imported = await timed(() => store.importRecords('bench', { records, workers }))
    console.log(JSON.stringify({ case: 'datanet-import-2^16-auto', records: n, depth: 20, workers, ms: Math.round(imported.ms), root: hex(imported.value.root) }))
    const cold = openDatanetStore({ home }) // a fresh store has no tree cache: rebuild from cached leaves
    try {
      const inThread = await timed(() => cold.buildTree('bench', 1))
      console.log(JSON.stringify({ case: 'datanet-buildTree-2^16-auto-1-thread', records: n, depth: 20, workers: 1, ms: Math.round(inThread.ms), root: hex(inThread.value.root), ratio: 1 }))
      const again = openDatanetStore({ home })
      try {
        const par = await timed(() => again.buildTree('bench', 1, { workers }))
        console.log(JSON.stringify({ case: `datanet-buildTree-2^16-auto-${workers}-threads`, records: n, depth: 20, workers, ms: Math.round(par.ms), root: hex(par.value.root), ratio: +(par.ms / inThread.ms).toFixed(3) }))
      } finally {
        again.close()
      }
    } finally {
      cold.close()
    }
  } finally {
    store.close()
    rmSync(home, { recursive: true, force: true })
  }
}
