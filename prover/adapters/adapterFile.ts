import { createHash } from 'node:crypto'
import { AdapterBaseMismatchError, AdapterFileError } from './adapterErrors.ts'
import { decodeTensorFile, encodeTensorFile, sha256Hex, tensorOf } from './tensorFile.ts'
import type { BaseModel } from './baseModel.ts'

/**
 * One fine-tuned model as a small file over a base: W = W0 + A B with A [d, r] and B [r, h], and
 * its own head [C, h] + [C]. The head is per adapter because every Datanet has its own classes
 * (ham/spam, negative/positive, a party...): the base's head cannot answer them, and a head is
 * C (h + 1) numbers, small next to A. At d = 1024, h = 128, r = 4, C = 2: 4,866 floats, 19.5 kB.
 */
export type Adapter = {
  /** sha256 of the base file this adapter was trained on. */
  baseSha256: string
  rank: number
  labels: string[]
  /** Row-major [d, r]. */
  A: Float32Array
  /** Row-major [r, h]. */
  B: Float32Array
  /** Row-major [C, h], and [C]. */
  headW: Float32Array
  headB: Float32Array
  training?: { records: number; epochs: number; loss: number; accuracy: number; seed: number; l2: number }
}

export const ADAPTER_FILE_KIND = 'poa-adapter-v1'
export const MAX_RANK = 64

type AdapterMeta = { baseSha256: string; rank: number; labels: string[]; inputDim: number; hiddenDim: number; training?: Adapter['training'] }

export function encodeAdapter(a: Adapter, base: Pick<BaseModel, 'inputDim' | 'hiddenDim'>): Uint8Array {
  const { inputDim: d, hiddenDim: h } = base
  return encodeTensorFile<AdapterMeta>({
    kind: ADAPTER_FILE_KIND,
    meta: { baseSha256: a.baseSha256, rank: a.rank, labels: a.labels, inputDim: d, hiddenDim: h, training: a.training },
    tensors: [
      { name: 'A', dims: [d, a.rank], data: a.A },
      { name: 'B', dims: [a.rank, h], data: a.B },
      { name: 'head.W', dims: [a.labels.length, h], data: a.headW },
      { name: 'head.b', dims: [a.labels.length], data: a.headB },
    ],
  })
}

/**
 * Decode an adapter file and check it against the base it will run on: same base hash, A [d, r]
 * and B [r, h] at the base's d and h, a head per class. `file` names the file in every error.
 */
export function decodeAdapter(bytes: Uint8Array, file: string, base: Pick<BaseModel, 'inputDim' | 'hiddenDim'> & { sha256: string }): Adapter {
  const f = decodeTensorFile<AdapterMeta>(bytes, file, ADAPTER_FILE_KIND)
  const m = f.meta
  if (!m || typeof m.baseSha256 !== 'string' || !Array.isArray(m.labels) || m.labels.length < 2 || m.labels.some((l) => typeof l !== 'string')) {
    throw new AdapterFileError({ file, problem: 'adapter header', expected: 'baseSha256, rank and >= 2 string labels' })
  }
  if (m.baseSha256 !== base.sha256) throw new AdapterBaseMismatchError({ file, expected: base.sha256, got: m.baseSha256 })
  if (!Number.isInteger(m.rank) || m.rank < 1 || m.rank > MAX_RANK) throw new AdapterFileError({ file, problem: 'rank', expected: `an integer in [1, ${MAX_RANK}]`, got: String(m.rank) })
  const { inputDim: d, hiddenDim: h } = base
  const C = m.labels.length
  return {
    baseSha256: m.baseSha256, rank: m.rank, labels: m.labels, training: m.training,
    A: tensorOf(f, 'A', [d, m.rank], file),
    B: tensorOf(f, 'B', [m.rank, h], file),
    headW: tensorOf(f, 'head.W', [C, h], file),
    headB: tensorOf(f, 'head.b', [C], file),
  }
}

/** Bytes an adapter's tensors take in memory (what the host's cache cap counts). */
export const adapterTensorBytes = (a: Pick<Adapter, 'A' | 'B' | 'headW' | 'headB'>): number => 4 * (a.A.length + a.B.length + a.headW.length + a.headB.length)

/**
 * The adapter model's hash: sha256("poa:adapter-model:v1" || base sha256 (32 bytes) || adapter
 * file bytes), as a 0x digest and in field form (>> 8, < r, what goes on-chain). It binds the base
 * and the adapter, so two adapters on one base, or one adapter on two bases, never share a hash.
 */
export function adapterModelHash(baseSha256: string, adapterBytes: Uint8Array): { sha256: string; field: bigint } {
  const hex = createHash('sha256')
    .update('poa:adapter-model:v1')
    .update(Buffer.from(baseSha256.replace(/^0x/, ''), 'hex'))
    .update(adapterBytes)
    .digest('hex')
  return { sha256: `0x${hex}`, field: BigInt(`0x${hex}`) >> 8n }
}

export { sha256Hex }
