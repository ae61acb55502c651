import { getPoseidon } from '../hash/index.ts'
import { FIELD_MODULUS } from '../field/index.ts'
import { bytesToFields, fieldsToBytes, loadNativeHasher, NativeHasherUnavailableError, type MerkleBackend, type NativeHasher } from '../merkle/index.ts'
import { FEATURE_BOUND, featureHash, indexLeaf } from './featureHash.ts'
import { IndexShapeError } from './indexErrors.ts'

/**
 * Index leaves Poseidon(recordLeaf_i, featureHash(phi_i)) of a batch of records, from bytes: 32-byte
 * big-endian record leaves and row-major int16 features, as the streaming build reads them from
 * disk. 'native' hashes in native/poseidon (pthreads), 'js' with the WebAssembly Poseidon in this
 * thread, 'auto' native when it loads and passes the check below, else js. Both give the same bytes
 * (test/indexLeavesNative.test.ts).
 */
export type HashIndexLeavesParameters = {
  recordLeaves: Uint8Array
  features: Int16Array
  k: number
  backend?: MerkleBackend
  /** pthreads for the native hasher (default 1). */
  threads?: number
  buildDir?: string
}

export type HashIndexLeavesReturnType = { leaves: Buffer; backend: 'native' | 'js'; fallbackReason?: string }

/** Check shapes and the feature bound once, at the door; returns the record count. */
function checkInput({ recordLeaves, features, k }: HashIndexLeavesParameters): number {
  if (!Number.isInteger(k) || k < 1) throw new IndexShapeError({ where: 'k', expected: 'a positive integer', got: String(k) })
  const count = recordLeaves.length / 32
  if (!Number.isInteger(count)) throw new IndexShapeError({ where: 'record leaves', expected: 'a multiple of 32 bytes', got: `${recordLeaves.length} bytes` })
  if (features.length !== count * k) throw new IndexShapeError({ where: 'features.length', expected: `${count} records x k ${k} = ${count * k}`, got: String(features.length) })
  const min = -Number(FEATURE_BOUND)
  for (let i = 0; i < features.length; i++) {
    if (features[i] < min) throw new IndexShapeError({ where: `features of record ${Math.floor(i / k)}[${i % k}]`, expected: `a value >= ${min}`, got: String(features[i]) })
  }
  for (let i = 0; i < count; i++) {
    // A big-endian word is below r when its first byte is (r's first byte is 0x30); else compare.
    if (recordLeaves[32 * i] >= 0x30 && bytesToFields(recordLeaves.subarray(32 * i, 32 * i + 32))[0] >= FIELD_MODULUS) {
      throw new IndexShapeError({ where: `record leaf ${i}`, expected: 'a field element below r', got: `0x${Buffer.from(recordLeaves.subarray(32 * i, 32 * i + 32)).toString('hex')}` })
    }
  }
  return count
}

/** The WebAssembly reference: one featureHash and one Poseidon(2) per record. */
async function hashInJs(recordLeaves: Uint8Array, features: Int16Array, k: number, count: number): Promise<Buffer> {
  const poseidon = await getPoseidon()
  const leaves = bytesToFields(recordLeaves)
  const out: bigint[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const phi = Array.from(features.subarray(i * k, (i + 1) * k), (v) => BigInt(v))
    out[i] = poseidon.hash([leaves[i], await featureHash(phi)])
  }
  return fieldsToBytes(out)
}

const checked = new Map<string, Promise<string | undefined>>()

/**
 * Native index leaves are trusted after they reproduce `indexLeaf` for feature counts that cover the
 * hash chain's shapes: one packed element (k = 1), exactly 16 (k = 240), and a second link (k = 256),
 * with the extreme features ±(2^15 - 1) and an extreme record leaf.
 */
function checkNative(hasher: NativeHasher): Promise<string | undefined> {
  let result = checked.get(hasher.binary)
  if (!result) {
    result = (async () => {
      for (const k of [1, 16, 128, 240, 256]) {
        const features = new Int16Array(2 * k).map((_, i) => (i % 3 === 0 ? 32767 : i % 3 === 1 ? -32767 : (i * 40503) % 30000))
        const records = [FIELD_MODULUS - 1n, 42n]
        const got = bytesToFields(await hasher.indexLeafBytes(fieldsToBytes(records), features, k))
        for (let i = 0; i < records.length; i++) {
          const want = await indexLeaf({ recordLeaf: records[i], features: Array.from(features.subarray(i * k, (i + 1) * k), BigInt) })
          if (got[i] !== want) return `${hasher.binary} disagrees with indexLeaf on record ${i} at k = ${k}`
        }
      }
      return undefined
    })()
    checked.set(hasher.binary, result)
  }
  return result
}

export async function hashIndexLeaves(p: HashIndexLeavesParameters): Promise<HashIndexLeavesReturnType> {
  const count = checkInput(p)
  const backend = p.backend ?? 'auto'
  let fallbackReason: string | undefined
  if (backend !== 'js') {
    const status = await loadNativeHasher({ buildDir: p.buildDir })
    const reason = status.hasher ? await checkNative(status.hasher) : status.reason
    if (status.hasher && !reason) return { leaves: await status.hasher.indexLeafBytes(p.recordLeaves, p.features, p.k, p.threads ?? 1), backend: 'native' }
    if (backend === 'native') throw new NativeHasherUnavailableError({ reason: reason! })
    fallbackReason = reason
  }
  return { leaves: await hashInJs(p.recordLeaves, p.features, p.k, count), backend: 'js', fallbackReason }
}
