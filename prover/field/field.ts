import { getAddress, isAddress, keccak256 } from 'ethers'
import { FieldOutOfRangeError, InvalidAddressError } from '../errors/index.ts'

/** Order r of the BN254 scalar field: every circuit signal lives in [0, r). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Order q of BN254's base field: curve point coordinates (proofs, CRS points) live there. */
export const BN254_BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

/** Check at the door that `value` is a field element; trusted after that. */
export function toFr(value: bigint, where: string): bigint {
  if (typeof value !== 'bigint') throw new TypeError(`${where} expected bigint, got ${typeof value}`)
  if (value < 0n || value >= FIELD_MODULUS) throw new FieldOutOfRangeError({ where, value })
  return value
}

/**
 * Validate an EVM address (any case; a mixed-case one must pass its EIP-55 checksum) and return it
 * checksummed. `where` names the input in the error message, for example `records.jsonl:12 field "contributor"`.
 */
export function toChecksumAddress(value: string, where: string): string {
  if (typeof value !== 'string') throw new InvalidAddressError({ where, value: String(value), reason: 'is not a string' })
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidAddressError({ where, value, reason: 'is not a 20-byte address (0x followed by 40 hex digits)' })
  }
  if (!isAddress(value)) throw new InvalidAddressError({ where, value, reason: 'has a bad EIP-55 checksum' })
  return getAddress(value)
}

/** An address as the circuit sees it: its 160-bit integer value (always < r). */
export function addressToField(address: string, where = 'address'): bigint {
  return BigInt(toChecksumAddress(address, where))
}

/** The inverse of `addressToField`: a value below 2^160 as a checksummed address. */
export function fieldToAddress(value: bigint): string {
  if (value < 0n || value >= 1n << 160n) throw new FieldOutOfRangeError({ where: 'address field', value })
  return getAddress(`0x${value.toString(16).padStart(40, '0')}`)
}

/**
 * Map arbitrary bytes into the field the way Semaphore does: keccak256, then drop the low byte
 * (`>> 8`), leaving 248 bits, always < r. Used for record content hashes; the circuit receives the
 * result as a field element, so TS and circuit agree by construction.
 */
export function hashToField(bytes: Uint8Array | string): bigint {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  return BigInt(keccak256(data)) >> 8n
}
