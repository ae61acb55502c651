import { addressToField, hashToField } from '../field/index.ts'
import { getPoseidon } from '../hash/index.ts'

/**
 * The content hash of a record: `keccak256(content) >> 8` (248 bits, always < r). Text is hashed
 * as its UTF-8 bytes. The circuit takes this value as a field element, so TS and circuit agree.
 */
export function contentHash(content: string | Uint8Array): bigint {
  return hashToField(content)
}

/** Datanet leaf = Poseidon(contributor as a 160-bit integer, contentHash). Circuit: `RecordLeaf()`. */
export async function recordLeaf({ contributor, contentHash }: { contributor: string; contentHash: bigint }): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.hash([addressToField(contributor, 'contributor'), contentHash])
}
