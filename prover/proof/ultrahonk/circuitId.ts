import { keccak256 } from 'ethers'
import { ProofPackageError } from '../errors.ts'
import type { Hex } from '../proofSystem.ts'

/**
 * An UltraHonk verification key as poa writes it (the `.vkey.json` beside the proving key). `vk` is
 * what bb.js writes for the keccak transcript (a 32-byte header: circuit size, log2 of it, public
 * input count, public input offset, each a big-endian u64; then the circuit's selector and
 * permutation commitments); `g2` is the CRS's [tau]G2, which the verifier's final pairing needs and
 * the vk bytes do not carry.
 */
export type UltraHonkVerificationKey = {
  protocol: 'ultrahonk'
  curve: 'bn128'
  transcript: 'keccak'
  /** Public inputs of the circuit (the vk header's count). */
  nPublic: number
  /** The circuit's size, a power of two (the vk header's). */
  circuitSize: number
  vk: Hex
  /** [tau]G2 as bn254_g2.dat holds it: x.c0, x.c1, y.c0, y.c1, 32 bytes big-endian each. */
  g2: Hex
}

const HEX = /^0x([0-9a-f]{2})*$/

/** The vk header's fields: what bb.js 0.82 writes before the commitments. */
export function readVkHeader(vk: Uint8Array): { circuitSize: number; logCircuitSize: number; nPublic: number; publicInputsOffset: number } {
  if (vk.length < 32 || (vk.length - 32) % 64 !== 0) throw new RangeError(`an UltraHonk vk is 32 header bytes and 64-byte points, got ${vk.length} bytes`)
  const view = Buffer.from(vk.buffer, vk.byteOffset, 32)
  const [circuitSize, logCircuitSize, nPublic, publicInputsOffset] = [0, 8, 16, 24].map((at) => Number(view.readBigUInt64BE(at)))
  if (circuitSize !== 2 ** logCircuitSize) throw new RangeError(`vk header: circuit size ${circuitSize} is not 2^${logCircuitSize}`)
  return { circuitSize, logCircuitSize, nPublic, publicInputsOffset }
}

/** Check an UltraHonk verification key's shape (names the first bad field) and that its header matches its stated counts. */
export function checkUltraHonkVerificationKey(key: unknown, field = 'verificationKey'): UltraHonkVerificationKey {
  const k = key as UltraHonkVerificationKey
  if (k?.protocol !== 'ultrahonk') throw new ProofPackageError({ field: `${field}.protocol`, expected: 'ultrahonk', got: k?.protocol })
  if (k.transcript !== 'keccak') throw new ProofPackageError({ field: `${field}.transcript`, expected: 'keccak', got: k.transcript })
  if (typeof k.vk !== 'string' || !HEX.test(k.vk)) throw new ProofPackageError({ field: `${field}.vk`, expected: 'lowercase 0x-hex bytes', got: k.vk })
  if (typeof k.g2 !== 'string' || !HEX.test(k.g2) || k.g2.length !== 2 + 256) throw new ProofPackageError({ field: `${field}.g2`, expected: '128 bytes of lowercase 0x-hex ([tau]G2)', got: k.g2 })
  let header
  try {
    header = readVkHeader(Buffer.from(k.vk.slice(2), 'hex'))
  } catch (error) {
    throw new ProofPackageError({ field: `${field}.vk`, expected: 'a bb.js UltraHonk verification key', got: (error as Error).message })
  }
  if (k.nPublic !== header.nPublic) throw new ProofPackageError({ field: `${field}.nPublic`, expected: `${header.nPublic} (the vk's header)`, got: k.nPublic })
  if (k.circuitSize !== header.circuitSize) throw new ProofPackageError({ field: `${field}.circuitSize`, expected: `${header.circuitSize} (the vk's header)`, got: k.circuitSize })
  return k
}

/**
 * The circuit id of an UltraHonk verification key: keccak256(vk || g2), the vk bytes bb.js wrote
 * followed by the CRS's [tau]G2. Both decide which proofs verify (the same circuit under another
 * CRS is another verifier), so both are in the id. The generated verifier returns it from
 * `circuitId()`, and the settlement keys the verifier by it; a new CRS or a changed circuit is a
 * new id, approved beside the old one.
 */
export function ultrahonkCircuitId(verificationKey: unknown): Hex {
  const k = checkUltraHonkVerificationKey(verificationKey)
  return keccak256(`0x${k.vk.slice(2)}${k.g2.slice(2)}`) as Hex
}

/** What the id is computed over, in words (for a circuit_id.json beside an exported key). */
export const ULTRAHONK_CIRCUIT_ID_DEFINITION = 'keccak256(vk || g2): bb.js 0.82 keccak-transcript verification key bytes, then the CRS [tau]G2 (x.c0, x.c1, y.c0, y.c1, big-endian)'
