/**
 * Field elements as 32-byte big-endian words: what leaves.bin / recordLeaves.bin hold and what the
 * native hasher reads and writes. Values are not range-checked here: callers check at their door.
 */
export function fieldsToBytes(values: readonly bigint[]): Buffer {
  const out = Buffer.alloc(values.length * 32)
  values.forEach((v, i) => out.write(v.toString(16).padStart(64, '0'), i * 32, 32, 'hex'))
  return out
}

/** The inverse of `fieldsToBytes`; `bytes.length` must be a multiple of 32. */
export function bytesToFields(bytes: Uint8Array): bigint[] {
  if (bytes.length % 32 !== 0) throw new RangeError(`field bytes: ${bytes.length} is not a multiple of 32`)
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: bigint[] = new Array(bytes.length / 32)
  for (let i = 0; i < out.length; i++) out[i] = BigInt(`0x${buf.toString('hex', 32 * i, 32 * i + 32)}`)
  return out
}
