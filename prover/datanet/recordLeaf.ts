import { addressToField, hashToField } from '../field/index.ts'
import { getPoseidon } from '../hash/index.ts'
import { loadNativeHasher, NativeHasherUnavailableError, type MerkleBackend } from '../merkle/index.ts'

/**
 * The content hash of a record: `keccak256(content) >> 8` (248 bits, always < r). Text is hashed
 * as its UTF-8 bytes. The circuit takes this value as a field element, so TS and circuit agree.
 */
export function contentHash(content: string | Uint8Array): bigint {
  return hashToField(content)
}

/**
 * The label hash of a record: `keccak256(UTF-8 bytes of label) >> 8`, the content hash's encoding,
 * and 0 for a record without a label. 0 cannot collide with a label: keccak256 output >> 8 is 0
 * only for a preimage of 248 zero bits, which nobody can find. The empty string "" is a label
 * (keccak256 of no bytes), distinct from no label, because the store keeps the two apart.
 */
export function labelHash(label: string | undefined): bigint {
  return label === undefined ? 0n : hashToField(label)
}

/**
 * Datanet leaf = Poseidon(contributor as a 160-bit integer, contentHash, labelHash). Circuit:
 * `RecordLeaf()`. The label is committed because it is part of what a contributor gives and it
 * changes every attribution score (the record gradient is (p - y) x): two imports of the same texts
 * with different labels must not share a root.
 */
export async function recordLeaf({ contributor, contentHash, labelHash }: { contributor: string; contentHash: bigint; labelHash: bigint }): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.hash([addressToField(contributor, 'contributor'), contentHash, labelHash])
}

/** The leaf of a record as stored or imported: hashes its content and label, then `recordLeaf`. */
export function recordLeafOf(record: { contributor: string; content: string | Uint8Array; label?: string }): Promise<bigint> {
  return recordLeaf({ contributor: record.contributor, contentHash: contentHash(record.content), labelHash: labelHash(record.label) })
}

/**
 * What the leaf commits, named in formats and errors: stores of schema 1 and inclusion proofs
 * `poa-datanet-inclusion-v1` used Poseidon(contributor, contentHash) and are refused.
 */
export const RECORD_LEAF_FORMULA = 'Poseidon(contributor, contentHash, labelHash)'

/**
 * The leaves of many records at once: content and label hashes here (keccak), the Poseidon(3)s in
 * the native hasher when it loads ('auto', the default), else in WebAssembly. Same values as
 * `recordLeafOf` record by record; a batch of 8,192 takes ~0.5 s of WebAssembly and a few ms natively.
 */
export async function recordLeavesOf(records: readonly { contributor: string; content: string | Uint8Array; label?: string }[], { backend = 'auto', threads = 1 }: { backend?: MerkleBackend; threads?: number } = {}): Promise<bigint[]> {
  // A datanet has far fewer contributors and labels than records: each address's checksum check
  // (two keccaks) and each label's hash are computed once per batch.
  const contributors = new Map<string, bigint>()
  const labels = new Map<string | undefined, bigint>()
  const tuples = records.map((r) => {
    let contributor = contributors.get(r.contributor)
    if (contributor === undefined) contributors.set(r.contributor, (contributor = addressToField(r.contributor, 'contributor')))
    let label = labels.get(r.label)
    if (label === undefined) labels.set(r.label, (label = labelHash(r.label)))
    return [contributor, contentHash(r.content), label]
  })
  if (backend !== 'js' && tuples.length > 0) {
    const status = await loadNativeHasher()
    if (status.hasher) return status.hasher.hashTuples(tuples, threads)
    if (backend === 'native') throw new NativeHasherUnavailableError({ reason: status.reason })
  }
  const poseidon = await getPoseidon()
  return tuples.map((t) => poseidon.hash(t))
}
