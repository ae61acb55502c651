/**
 * Merkle tree build speed: in-thread vs worker threads, for 2^16 and 2^20 leaves, plus a 2^16-record
 * datanet end to end (import = leaf hashing + tree + one SQLite transaction; rebuild from cached
 * leaves). Run: `npx tsx bench/merkleTree.bench.ts [--sizes 16,20] [--workers 2] [--no-datanet]`.
 * Prints cores, Node version and parameters, then one JSON line per case; `ratio` is the case's
 * time over the in-thread build of the same size, measured in the same run.
 */
import { cpus, tmpdir } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { buildMerkleTree } from '../prover/merkle/index.ts'
import { getPoseidon } from '../prover/hash/index.ts'
import { openDatanetStore } from '../prover/datanet/index.ts'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const sizes = arg('sizes', '16,20').split(',').map(Number)
const workers = Number(arg('workers', String(Math.max(2, cpus().length))))
const withDatanet = !process.argv.includes('--no-datanet')

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
console.log(`parameters: sizes 2^${sizes.join(', 2^')}, depth = log2(size), workers ${workers}, datanet case ${withDatanet ? `2^16 records, depth 20` : 'off'}`)
await getPoseidon() // load the WebAssembly once, outside every measurement

for (const power of sizes) {
  const leaves = leavesFor(2 ** power)
  const base = await timed(() => buildMerkleTree({ leaves, depth: power }))
  console.log(JSON.stringify({ case: `tree-2^${power}-in-thread`, leaves: leaves.length, workers: 1, ms: Math.round(base.ms), hashesPerS: Math.round(leaves.length / (base.ms / 1000)), root: hex(base.value.root), ratio: 1 }))
  const par = await timed(() => buildMerkleTree({ leaves, depth: power, workers }))
  if (par.value.root !== base.value.root) throw new Error(`worker build of 2^${power} gave another root`)
  console.log(JSON.stringify({ case: `tree-2^${power}-workers`, leaves: leaves.length, workers, ms: Math.round(par.ms), hashesPerS: Math.round(leaves.length / (par.ms / 1000)), root: hex(par.value.root), ratio: +(par.ms / base.ms).toFixed(3) }))
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
    console.log(JSON.stringify({ case: 'datanet-import-2^16', records: n, depth: 20, workers, ms: Math.round(imported.ms), root: hex(imported.value.root) }))
    const cold = openDatanetStore({ home }) // a fresh store has no tree cache: rebuild from cached leaves
    try {
      const inThread = await timed(() => cold.buildTree('bench', 1))
      console.log(JSON.stringify({ case: 'datanet-buildTree-2^16-in-thread', records: n, depth: 20, workers: 1, ms: Math.round(inThread.ms), root: hex(inThread.value.root), ratio: 1 }))
      const again = openDatanetStore({ home })
      try {
        const par = await timed(() => again.buildTree('bench', 1, { workers }))
        console.log(JSON.stringify({ case: 'datanet-buildTree-2^16-workers', records: n, depth: 20, workers, ms: Math.round(par.ms), root: hex(par.value.root), ratio: +(par.ms / inThread.ms).toFixed(3) }))
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
