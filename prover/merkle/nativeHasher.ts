import { spawn } from 'node:child_process'
import { getPoseidon } from '../hash/index.ts'
import { FIELD_MODULUS } from '../field/index.ts'
import { buildLayout, packagePath } from '../layout/index.ts'
import { compileNative } from '../nativeBuild/index.ts'
import { nativeConstantsHeader } from './nativeConstants.ts'
import { fieldsToBytes, bytesToFields } from './fieldBytes.ts'

const SOURCE_DIR = packagePath('native', 'poseidon')

/**
 * circomlib Poseidon(1..16), binary and 4-ary Merkle levels and attribution-index leaves computed by
 * native/poseidon/poseidon_tree.c in a child process, threaded with pthreads. Same results as
 * `getPoseidon()` and `indexLeaf()` (every mode is checked on load), only faster. The byte-level
 * calls (`treeLevelBytes`, `indexLeafBytes`) take and return 32-byte big-endian field
 * elements, so a 2^20-leaf index never becomes a million bigints.
 */
export type NativeHasher = {
  readonly binary: string
  hashPairs(pairs: readonly (readonly [bigint, bigint])[], threads?: number): Promise<bigint[]>
  /** Poseidon(n) of each tuple; all tuples have the same length n in 1..16. */
  hashTuples(tuples: readonly (readonly bigint[])[], threads?: number): Promise<bigint[]>
  /** Levels 1..depth of the binary tree over `leaves` (at least one leaf). */
  treeLevels(leaves: readonly bigint[], depth: number, threads?: number): Promise<bigint[][]>
  /**
   * Levels 1..levels of the binary (arity 2) or 4-ary tree over `leaves` (32 bytes each, at least
   * one), as bytes: missing children are the empty subtree's hash at their level.
   */
  treeLevelBytes(leaves: Uint8Array, levels: number, arity: 2 | 4, threads?: number): Promise<Buffer[]>
  /**
   * Index leaves Poseidon(recordLeaf, featureHash(phi)) of `count` records: `recordLeaves` holds
   * 32 bytes each, `features` k int16 each (|phi| <= 2^15 - 1). Returns 32 bytes per record.
   */
  indexLeafBytes(recordLeaves: Uint8Array, features: Int16Array, k: number, threads?: number): Promise<Buffer>
}

export type NativeHasherStatus = { hasher: NativeHasher; reason?: undefined } | { hasher?: undefined; reason: string }

/** One load per binary folder: the compile and self-check run once per process and build folder. */
const loading = new Map<string, Promise<NativeHasherStatus>>()

/**
 * Compile (once, cached under `<buildDir>/native` by source and constants hash; default
 * `<package>/build`) and self-check the native hasher. Resolves to `{ reason }` instead when there
 * is no C compiler or the check fails, so callers can fall back to the WebAssembly Poseidon and say why.
 */
export function loadNativeHasher({ buildDir }: { buildDir?: string } = {}): Promise<NativeHasherStatus> {
  const binDir = buildLayout(buildDir).nativeDir
  let status = loading.get(binDir)
  if (!status) loading.set(binDir, (status = load(binDir)))
  return status
}

async function load(BIN_DIR: string): Promise<NativeHasherStatus> {
  const built = await compileNative({
    name: 'poseidon_tree', sourceDir: SOURCE_DIR, sources: ['poseidon_tree.c'], generated: { 'constants.h': nativeConstantsHeader() },
    binDir: BIN_DIR, cc: process.env.CC ?? 'cc', flags: ['-O3'], libraries: ['-lpthread'],
  })
  if (built.binary === undefined) return { reason: built.reason }
  const { binary } = built
  const hasher = makeHasher(binary)
  try {
    const wrong = await selfCheck(hasher)
    if (wrong) return { reason: `${binary} disagrees with the WebAssembly Poseidon on ${wrong}` }
  } catch (error) {
    return { reason: `${binary} failed its self-check (${(error as Error).message})` }
  }
  return { hasher }
}

/**
 * Trust the binary only after it reproduces the WebAssembly Poseidon at every width, edge values
 * included, and a 4-ary tree with a padded node. Returns what disagreed, or undefined. (Mode 5, the
 * index leaves, is checked against `indexLeaf` by prover/index/hashIndexLeaves.ts, which owns that
 * formula.)
 */
async function selfCheck(hasher: NativeHasher): Promise<string | undefined> {
  const poseidon = await getPoseidon()
  const pairs: [bigint, bigint][] = [[0n, 0n], [1n, 2n], [FIELD_MODULUS - 1n, FIELD_MODULUS - 1n], [FIELD_MODULUS - 1n, 0n], [(1n << 253n) + 12345n, 987654321n << 100n]]
  const got = await hasher.hashPairs(pairs)
  for (let i = 0; i < pairs.length; i++) if (got[i] !== poseidon.hash(pairs[i])) return `pair ${i}`
  for (let n = 1; n <= 16; n++) {
    const tuples = [Array.from({ length: n }, (_, i) => FIELD_MODULUS - 1n - BigInt(i)), Array.from({ length: n }, (_, i) => BigInt(i * 7919) << 200n)]
    const hashes = await hasher.hashTuples(tuples)
    for (let j = 0; j < tuples.length; j++) if (hashes[j] !== poseidon.hash(tuples[j])) return `Poseidon(${n}) tuple ${j}`
  }
  const leaves = [1n, FIELD_MODULUS - 1n, 3n, 4n, 5n]
  const levels = await hasher.treeLevelBytes(fieldsToBytes(leaves), 2, 4)
  const z1 = poseidon.hash([0n, 0n, 0n, 0n])
  const n0 = poseidon.hash(leaves.slice(0, 4)), n1 = poseidon.hash([5n, 0n, 0n, 0n])
  if (bytesToFields(levels[1])[0] !== poseidon.hash([n0, n1, z1, z1])) return '4-ary levels'
  return undefined
}

function request(binary: string, input: Buffer | Uint8Array[], expectedBytes: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => chunks.push(d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const out = Buffer.concat(chunks)
      if (code !== 0 || out.length !== expectedBytes) {
        reject(new Error(`${binary} exited ${code} with ${out.length}/${expectedBytes} bytes: ${stderr.trim()}`))
      } else resolvePromise(out)
    })
    child.stdin.on('error', reject)
    const parts = Array.isArray(input) ? input : [input]
    parts.forEach((part, i) => (i === parts.length - 1 ? child.stdin.end(part) : child.stdin.write(part)))
  })
}

function header(mode: number, param: number, count: number, threads: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeUInt32LE(mode, 0)
  h.writeUInt32LE(param, 4)
  h.writeUInt32LE(count, 8)
  h.writeUInt32LE(Math.max(1, Math.min(64, threads)), 12)
  return h
}

function levelSizes(count: number, depth: number, arity: number): number[] {
  const sizes: number[] = []
  for (let l = 0, len = count; l < depth; l++) sizes.push((len = Math.ceil(len / arity)))
  return sizes
}

function splitLevels(out: Buffer, sizes: readonly number[]): Buffer[] {
  const levels: Buffer[] = []
  let offset = 0
  for (const size of sizes) {
    levels.push(out.subarray(offset, offset + 32 * size))
    offset += 32 * size
  }
  return levels
}

function makeHasher(binary: string): NativeHasher {
  const hashTuples = async (tuples: readonly (readonly bigint[])[], threads = 1) => {
    if (tuples.length === 0) return []
    const n = tuples[0].length
    if (!Number.isInteger(n) || n < 1 || n > 16 || tuples.some((t) => t.length !== n)) throw new RangeError(`Poseidon tuples must all have the same length in 1..16 (first has ${n})`)
    const out = await request(binary, [header(3, n, tuples.length, threads), fieldsToBytes(tuples.flat())], tuples.length * 32)
    return bytesToFields(out)
  }
  return Object.freeze({
    binary,
    hashPairs: (pairs: readonly (readonly [bigint, bigint])[], threads = 1) => hashTuples(pairs, threads),
    hashTuples,
    async treeLevels(leaves: readonly bigint[], depth: number, threads = 1) {
      const sizes = levelSizes(leaves.length, depth, 2)
      const out = await request(binary, [header(2, depth, leaves.length, threads), fieldsToBytes(leaves)], sizes.reduce((a, b) => a + b, 0) * 32)
      return splitLevels(out, sizes).map(bytesToFields)
    },
    async treeLevelBytes(leaves: Uint8Array, levels: number, arity: 2 | 4, threads = 1) {
      const count = leaves.length / 32
      if (!Number.isInteger(count) || count < 1) throw new RangeError(`tree leaves must be a positive multiple of 32 bytes, got ${leaves.length}`)
      if (arity !== 2 && arity !== 4) throw new RangeError(`tree arity ${arity} is not 2 or 4`)
      const sizes = levelSizes(count, levels, arity)
      const out = await request(binary, [header(arity === 2 ? 2 : 4, levels, count, threads), leaves], sizes.reduce((a, b) => a + b, 0) * 32)
      return splitLevels(out, sizes)
    },
    async indexLeafBytes(recordLeaves: Uint8Array, features: Int16Array, k: number, threads = 1) {
      const count = recordLeaves.length / 32
      if (!Number.isInteger(k) || k < 1 || !Number.isInteger(count) || features.length !== count * k) {
        throw new RangeError(`index leaves: ${recordLeaves.length} record-leaf bytes and ${features.length} features do not make records of 32 bytes + k = ${k} features`)
      }
      if (count === 0) return Buffer.alloc(0)
      // Interleave (leaf, features) per record: the C side reads one record at a time. Int16Array
      // bytes are little-endian on every platform Node runs on here (x86-64, arm64), as C expects.
      const row = 32 + 2 * k
      const body = Buffer.alloc(count * row)
      const featureBytes = new Uint8Array(features.buffer, features.byteOffset, features.byteLength)
      for (let i = 0; i < count; i++) {
        body.set(recordLeaves.subarray(32 * i, 32 * i + 32), i * row)
        body.set(featureBytes.subarray(2 * k * i, 2 * k * (i + 1)), i * row + 32)
      }
      return request(binary, [header(5, k, count, threads), body], count * 32)
    },
  })
}
