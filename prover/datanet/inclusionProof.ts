import { PoaError } from '../errors/index.ts'
import { toChecksumAddress, toFr } from '../field/index.ts'
import { computeMerkleRoot, MAX_TREE_DEPTH } from '../merkle/index.ts'
import { labelHash, recordLeaf, RECORD_LEAF_FORMULA } from './recordLeaf.ts'
import type { DatanetRef, DatanetStore } from './store.ts'

/**
 * A self-contained proof that one record is in a datanet version: enough to check against a root
 * alone (for example the root committed on-chain), without the store. Field elements are decimal
 * strings in JSON, as everywhere in poa.
 */
export type RecordInclusionProof = {
  format: typeof INCLUSION_PROOF_FORMAT
  datanet: { id: number; name: string }
  version: number
  depth: number
  root: bigint
  leafIndex: number
  leaf: bigint
  contributor: string
  contentHash: bigint
  /** The record's label as stored, or null for an unlabelled record (labelHash 0). */
  label: string | null
  /** keccak256(UTF-8 label) >> 8, 0 without a label: recomputed from `label` by the verifier. */
  labelHash: bigint
  siblings: bigint[]
}

/** v2: the leaf commits the label (Poseidon(contributor, contentHash, labelHash)); v1 proofs are refused. */
export const INCLUSION_PROOF_FORMAT = 'poa-datanet-inclusion-v2'

/** The proof file is not a well-formed inclusion proof (names the field). */
export class InclusionProofMalformedError extends PoaError {
  constructor({ file, field, reason }: { file: string; field: string; reason: string }) {
    super('INCLUSION_PROOF_MALFORMED', 'BAD_INPUT', `${file} field "${field}": ${reason}`, { meta: { file, field } })
  }
}

/** The proof does not check out: wrong leaf, a path that misses its root, or a root other than the expected one. */
export class InclusionProofRejectedError extends PoaError {
  constructor({ reason, expected, got }: { reason: string; expected: bigint; got: bigint }) {
    super('INCLUSION_PROOF_REJECTED', 'VERIFICATION_FAILED', `inclusion proof rejected: ${reason} (expected ${expected}, got ${got})`, { meta: { reason, expected, got } })
  }
}

/** Prove that the record at `position` is in `version` (default: latest) of a datanet. */
export async function proveRecordInclusion(store: DatanetStore, ref: DatanetRef, version: number | undefined, position: number): Promise<RecordInclusionProof> {
  const datanet = store.getDatanet(ref)
  const v = store.getVersion(datanet.id, version)
  const proof = await store.proveRecord(datanet.id, v.version, position)
  // proveRecord checked the position; read that one record, not the whole version.
  const [record] = store.readRecords(datanet.id, v.version, position, position + 1)
  return {
    format: INCLUSION_PROOF_FORMAT,
    datanet: { id: datanet.id, name: datanet.name },
    version: v.version,
    depth: datanet.depth,
    root: proof.root,
    leafIndex: proof.leafIndex,
    leaf: proof.leaf,
    contributor: record.contributor,
    contentHash: record.contentHash,
    label: record.label ?? null,
    labelHash: labelHash(record.label),
    siblings: proof.siblings.slice(),
  }
}

function fieldAt(obj: Record<string, unknown>, field: string, file: string): bigint {
  const value = obj[field]
  if (typeof value !== 'string' || !/^(0x[0-9a-fA-F]+|\d+)$/.test(value)) {
    throw new InclusionProofMalformedError({ file, field, reason: `expected a decimal or 0x-hex string, got ${JSON.stringify(value)}` })
  }
  try {
    return toFr(BigInt(value), `${file} field "${field}"`)
  } catch (error) {
    throw new InclusionProofMalformedError({ file, field, reason: error instanceof PoaError ? error.shortMessage : String(error) })
  }
}

function intAt(obj: Record<string, unknown>, field: string, file: string, max: number): number {
  const value = obj[field]
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max) {
    throw new InclusionProofMalformedError({ file, field, reason: `expected an integer in [0, ${max}], got ${JSON.stringify(value)}` })
  }
  return value as number
}

/** Parse and check the shape of a proof read from JSON (`file` names it in errors). */
export function parseInclusionProof(json: unknown, file: string): RecordInclusionProof {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InclusionProofMalformedError({ file, field: '(root)', reason: 'expected a JSON object' })
  const obj = json as Record<string, unknown>
  if (obj.format === 'poa-datanet-inclusion-v1') {
    throw new InclusionProofMalformedError({ file, field: 'format', reason: `"poa-datanet-inclusion-v1" proves a leaf Poseidon(contributor, contentHash) without the label; datanets now commit ${RECORD_LEAF_FORMULA}: make a new proof with "poa datanet prove" (format "${INCLUSION_PROOF_FORMAT}")` })
  }
  if (obj.format !== INCLUSION_PROOF_FORMAT) {
    throw new InclusionProofMalformedError({ file, field: 'format', reason: `expected "${INCLUSION_PROOF_FORMAT}", got ${JSON.stringify(obj.format)}` })
  }
  const depth = intAt(obj, 'depth', file, MAX_TREE_DEPTH)
  if (depth < 1) throw new InclusionProofMalformedError({ file, field: 'depth', reason: `expected an integer in [1, ${MAX_TREE_DEPTH}], got 0` })
  const leafIndex = intAt(obj, 'leafIndex', file, 2 ** depth - 1)
  if (!Array.isArray(obj.siblings) || obj.siblings.length !== depth) {
    throw new InclusionProofMalformedError({ file, field: 'siblings', reason: `expected an array of ${depth} field elements, got ${Array.isArray(obj.siblings) ? `${obj.siblings.length}` : typeof obj.siblings}` })
  }
  const siblings = obj.siblings.map((_, i) => fieldAt(obj.siblings as unknown as Record<string, unknown>, String(i), file))
  if (typeof obj.contributor !== 'string') throw new InclusionProofMalformedError({ file, field: 'contributor', reason: 'expected an address string' })
  let contributor: string
  try {
    contributor = toChecksumAddress(obj.contributor, `${file} field "contributor"`)
  } catch (error) {
    throw new InclusionProofMalformedError({ file, field: 'contributor', reason: error instanceof PoaError ? error.shortMessage : String(error) })
  }
  if (obj.label !== null && typeof obj.label !== 'string') {
    throw new InclusionProofMalformedError({ file, field: 'label', reason: `expected the record's label as a string, or null for an unlabelled record, got ${JSON.stringify(obj.label)}` })
  }
  const datanet = (obj.datanet ?? {}) as Record<string, unknown>
  return {
    format: INCLUSION_PROOF_FORMAT,
    datanet: { id: Number(datanet.id), name: String(datanet.name) },
    version: intAt(obj, 'version', file, Number.MAX_SAFE_INTEGER),
    depth,
    root: fieldAt(obj, 'root', file),
    leafIndex,
    leaf: fieldAt(obj, 'leaf', file),
    contributor,
    contentHash: fieldAt(obj, 'contentHash', file),
    label: obj.label,
    labelHash: fieldAt(obj, 'labelHash', file),
    siblings,
  }
}

/**
 * Check a proof: its labelHash is the hash of its label, its leaf is Poseidon(contributor,
 * contentHash, labelHash), its path leads to its root, and that root is `expectedRoot` when given
 * (the one committed on-chain, say). Throws `InclusionProofRejectedError` naming the first check
 * that failed.
 */
export async function verifyRecordInclusion(proof: RecordInclusionProof, { expectedRoot }: { expectedRoot?: bigint } = {}): Promise<{ root: bigint; leafIndex: number }> {
  // The label is what a reader of the proof sees: its hash is recomputed, never taken on trust.
  const hashed = labelHash(proof.label ?? undefined)
  if (hashed !== proof.labelHash) throw new InclusionProofRejectedError({ reason: `labelHash is not the hash of label ${JSON.stringify(proof.label)}`, expected: hashed, got: proof.labelHash })
  const leaf = await recordLeaf({ contributor: proof.contributor, contentHash: proof.contentHash, labelHash: hashed })
  if (leaf !== proof.leaf) throw new InclusionProofRejectedError({ reason: `leaf is not ${RECORD_LEAF_FORMULA}`, expected: leaf, got: proof.leaf })
  const root = await computeMerkleRoot({ leaf, leafIndex: proof.leafIndex, siblings: proof.siblings })
  if (root !== proof.root) throw new InclusionProofRejectedError({ reason: 'the Merkle path does not lead to the proof root', expected: proof.root, got: root })
  if (expectedRoot !== undefined && expectedRoot !== root) throw new InclusionProofRejectedError({ reason: 'the proof root is not the expected root', expected: expectedRoot, got: root })
  return { root, leafIndex: proof.leafIndex }
}

/** A proof file that cannot be read or is not JSON. */
export class InclusionProofFileError extends PoaError {
  constructor({ file, reason, cause }: { file: string; reason: string; cause?: unknown }) {
    super('INCLUSION_PROOF_UNREADABLE', 'BAD_INPUT', `${file}: ${reason}`, { meta: { file }, cause })
  }
}
