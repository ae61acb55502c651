import { spawn, execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getPoseidon } from '../hash/index.ts'
import { PACKAGE_ROOT } from '../package/index.ts'
import { FIELD_MODULUS } from '../field/index.ts'

const run = promisify(execFile)
const REPO = PACKAGE_ROOT
const SOURCE_DIR = join(REPO, 'native', 'poseidon')
// Same convention as prover/proof/compileCircuit.ts (build/, or POA_BUILD_DIR); merkle/ may not import proof/.
const BIN_DIR = join(process.env.POA_BUILD_DIR ?? join(REPO, 'build'), 'native')

/**
 * Poseidon(2) and Merkle levels computed by native/poseidon/poseidon_tree.c in a child process,
 * threaded with pthreads. Same results as `getPoseidon()` (checked on load), only faster.
 */
export type NativeHasher = {
  readonly binary: string
  hashPairs(pairs: readonly (readonly [bigint, bigint])[], threads?: number): Promise<bigint[]>
  /** Levels 1..depth of the tree over `leaves` (at least one leaf). */
  treeLevels(leaves: readonly bigint[], depth: number, threads?: number): Promise<bigint[][]>
}

export type NativeHasherStatus = { hasher: NativeHasher; reason?: undefined } | { hasher?: undefined; reason: string }

let loading: Promise<NativeHasherStatus> | undefined

/**
 * Compile (once, cached under build/native by source hash) and self-check the native hasher.
 * Resolves to `{ reason }` instead when there is no C compiler or the check fails, so callers can
 * fall back to the WebAssembly Poseidon and say why.
 */
export function loadNativeHasher(): Promise<NativeHasherStatus> {
  loading ??= load()
  return loading
}

async function load(): Promise<NativeHasherStatus> {
  const source = join(SOURCE_DIR, 'poseidon_tree.c')
  if (!existsSync(source)) return { reason: `${source} is missing` }
  const hash = createHash('sha256').update(readFileSync(source)).update(readFileSync(join(SOURCE_DIR, 'constants.h'))).digest('hex').slice(0, 16)
  const binary = join(BIN_DIR, `poseidon_tree-${hash}`)
  if (!existsSync(binary)) {
    mkdirSync(BIN_DIR, { recursive: true })
    const tmp = `${binary}.tmp-${process.pid}`
    try {
      await run(process.env.CC ?? 'cc', ['-O3', '-o', tmp, source, '-lpthread'], { cwd: SOURCE_DIR })
      renameSync(tmp, binary)
    } catch (error) {
      rmSync(tmp, { force: true })
      return { reason: `cannot compile ${source} (${(error as Error).message.split('\n')[0]})` }
    }
  }
  const hasher = makeHasher(binary)
  // Trust the binary only after it reproduces the WebAssembly Poseidon, edge values included.
  const poseidon = await getPoseidon()
  const pairs: [bigint, bigint][] = [[0n, 0n], [1n, 2n], [FIELD_MODULUS - 1n, FIELD_MODULUS - 1n], [FIELD_MODULUS - 1n, 0n], [(1n << 253n) + 12345n, 987654321n << 100n]]
  try {
    const got = await hasher.hashPairs(pairs)
    for (let i = 0; i < pairs.length; i++) {
      if (got[i] !== poseidon.hash(pairs[i])) return { reason: `${binary} disagrees with the WebAssembly Poseidon on pair ${i}` }
    }
  } catch (error) {
    return { reason: `${binary} failed its self-check (${(error as Error).message})` }
  }
  return { hasher }
}

function writeField(buf: Buffer, offset: number, x: bigint): void {
  buf.write(x.toString(16).padStart(64, '0'), offset, 32, 'hex')
}

function readField(buf: Buffer, offset: number): bigint {
  return BigInt(`0x${buf.toString('hex', offset, offset + 32)}`)
}

function request(binary: string, input: Buffer, expectedBytes: number): Promise<Buffer> {
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
    child.stdin.end(input)
  })
}

function header(mode: number, depth: number, count: number, threads: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeUInt32LE(mode, 0)
  h.writeUInt32LE(depth, 4)
  h.writeUInt32LE(count, 8)
  h.writeUInt32LE(Math.max(1, Math.min(64, threads)), 12)
  return h
}

function makeHasher(binary: string): NativeHasher {
  return Object.freeze({
    binary,
    async hashPairs(pairs: readonly (readonly [bigint, bigint])[], threads = 1) {
      const body = Buffer.alloc(pairs.length * 64)
      pairs.forEach(([a, b], i) => {
        writeField(body, 64 * i, a)
        writeField(body, 64 * i + 32, b)
      })
      const out = await request(binary, Buffer.concat([header(1, 0, pairs.length, threads), body]), pairs.length * 32)
      return Array.from({ length: pairs.length }, (_, i) => readField(out, 32 * i))
    },
    async treeLevels(leaves: readonly bigint[], depth: number, threads = 1) {
      const body = Buffer.alloc(leaves.length * 32)
      leaves.forEach((leaf, i) => writeField(body, 32 * i, leaf))
      const sizes: number[] = []
      for (let l = 0, len = leaves.length; l < depth; l++) sizes.push((len = Math.ceil(len / 2)))
      const total = sizes.reduce((a, b) => a + b, 0)
      const out = await request(binary, Buffer.concat([header(2, depth, leaves.length, threads), body]), total * 32)
      const levels: bigint[][] = []
      let offset = 0
      for (const size of sizes) {
        const level: bigint[] = new Array(size)
        for (let i = 0; i < size; i++, offset += 32) level[i] = readField(out, offset)
        levels.push(level)
      }
      return levels
    },
  })
}
