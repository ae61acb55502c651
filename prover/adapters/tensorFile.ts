import { createHash } from 'node:crypto'
import { AdapterFileError } from './adapterErrors.ts'

/**
 * The one binary layout of base and adapter files: 8 bytes of magic (`POATNS1\n`), a uint32 LE
 * header length, a UTF-8 JSON header `{ kind, meta, tensors: [{ name, dims }] }`, zero padding to
 * a multiple of 4, then every tensor's float32 values, little-endian, in header order, and nothing
 * else. Deterministic: the same tensors and meta give the same bytes (the header is written with
 * keys in a fixed order), so a file's sha256 commits its contents.
 */
export const TENSOR_FILE_MAGIC = 'POATNS1\n'

export type NamedTensor = { name: string; dims: number[]; data: Float32Array }
export type TensorFile<M> = { kind: string; meta: M; tensors: NamedTensor[] }

export function encodeTensorFile<M>({ kind, meta, tensors }: TensorFile<M>): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ kind, meta, tensors: tensors.map((t) => ({ name: t.name, dims: t.dims })) }))
  const start = Math.ceil((12 + header.length) / 4) * 4
  const total = start + tensors.reduce((s, t) => s + t.data.length * 4, 0)
  const out = new Uint8Array(total)
  out.set(new TextEncoder().encode(TENSOR_FILE_MAGIC), 0)
  new DataView(out.buffer).setUint32(8, header.length, true)
  out.set(header, 12)
  let offset = start
  for (const t of tensors) {
    if (t.data.length !== t.dims.reduce((a, b) => a * b, 1)) throw new RangeError(`tensor ${t.name}: ${t.data.length} values for dims [${t.dims}]`)
    const view = new DataView(out.buffer, offset, t.data.length * 4)
    for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i], true)
    offset += t.data.length * 4
  }
  return out
}

/**
 * Decode a tensor file; `file` names it in every error. Checks the magic, the header, the kind,
 * that the byte length is exactly header + tensors, and that every value is finite.
 */
export function decodeTensorFile<M>(bytes: Uint8Array, file: string, kind: string): TensorFile<M> {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== TENSOR_FILE_MAGIC) {
    throw new AdapterFileError({ file, problem: 'not a poa tensor file', expected: `magic ${JSON.stringify(TENSOR_FILE_MAGIC)}`, got: `${bytes.length} bytes starting ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 8)))}` })
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(8, true)
  if (12 + headerLength > bytes.length) throw new AdapterFileError({ file, problem: 'truncated header', expected: `${headerLength} header bytes`, got: `${bytes.length - 12}` })
  let header: { kind?: unknown; meta?: M; tensors?: { name: string; dims: number[] }[] }
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)))
  } catch (cause) {
    throw new AdapterFileError({ file, problem: `unreadable header (${cause instanceof Error ? cause.message : String(cause)})` })
  }
  if (header.kind !== kind) throw new AdapterFileError({ file, problem: 'wrong kind of file', expected: JSON.stringify(kind), got: JSON.stringify(header.kind) })
  if (!Array.isArray(header.tensors) || header.tensors.some((t) => typeof t?.name !== 'string' || !Array.isArray(t.dims) || t.dims.some((d) => !Number.isInteger(d) || d < 1))) {
    throw new AdapterFileError({ file, problem: 'header tensors', expected: 'a list of { name, dims: positive integers }' })
  }
  const start = Math.ceil((12 + headerLength) / 4) * 4
  const sizes = header.tensors.map((t) => t.dims.reduce((a, b) => a * b, 1))
  const expected = start + sizes.reduce((a, b) => a + b, 0) * 4
  if (bytes.length !== expected) throw new AdapterFileError({ file, problem: 'wrong length for the tensors its header lists', expected: `${expected} bytes`, got: `${bytes.length}` })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  let offset = start
  const tensors = header.tensors.map((t, i) => {
    const data = new Float32Array(sizes[i])
    for (let j = 0; j < data.length; j++) {
      const v = view.getFloat32(offset + j * 4, true)
      if (!Number.isFinite(v)) throw new AdapterFileError({ file, problem: `tensor ${t.name} value ${j} is not finite`, got: String(v) })
      data[j] = v
    }
    offset += data.length * 4
    return { name: t.name, dims: t.dims, data }
  })
  return { kind, meta: header.meta as M, tensors }
}

/** The named tensor of a decoded file, checked against the dims it must have. */
export function tensorOf(f: TensorFile<unknown>, name: string, dims: number[], file: string): Float32Array {
  const t = f.tensors.find((x) => x.name === name)
  if (!t) throw new AdapterFileError({ file, problem: `no tensor "${name}"`, got: `tensors ${f.tensors.map((x) => x.name).join(', ')}` })
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new AdapterFileError({ file, problem: `tensor "${name}" has the wrong shape`, expected: `[${dims.join(', ')}]`, got: `[${t.dims.join(', ')}]` })
  }
  return t.data
}

export const sha256Hex = (bytes: Uint8Array): string => `0x${createHash('sha256').update(bytes).digest('hex')}`
