import { fieldToAddress } from '../field/index.ts'

/**
 * A payout slot, the public input that pays one contributor: contributor (< 2^160) + payout * 2^160,
 * payout < 2^93 so the slot stays below r. One field element per candidate instead of two halves
 * the public inputs (each costs about 7k gas to verify). An empty slot is 0.
 */
export function packPayoutSlot(contributor: bigint, payout: bigint): bigint {
  return contributor + (payout << 160n)
}

/** The inverse of packPayoutSlot. */
export function unpackPayoutSlot(slot: bigint): { contributor: string; payout: bigint } {
  return { contributor: fieldToAddress(slot & ((1n << 160n) - 1n)), payout: slot >> 160n }
}
