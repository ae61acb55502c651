import { ValueOutOfRangeError } from '../errors/index.ts'

/**
 * Convert a float to a signed fixed-point integer with `fracBits` fractional bits, rounding half to
 * even (so quantisation error has no bias), and check |result| <= bound.
 */
export function toFixed(value: number, fracBits: number, bound: bigint, where = 'value'): bigint {
  if (!Number.isFinite(value)) throw new ValueOutOfRangeError({ where, value: Number.NaN, min: -bound, max: bound })
  const scaled = value * 2 ** fracBits
  let rounded = Math.round(scaled)
  // Math.round rounds .5 up; move exact halves to the even neighbour.
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5 && rounded % 2 !== 0) rounded -= 1
  const fixed = BigInt(rounded)
  if (fixed > bound || fixed < -bound) throw new ValueOutOfRangeError({ where, value: fixed, min: -bound, max: bound })
  return fixed
}

/** The float a fixed-point integer stands for. */
export function fromFixed(value: bigint, fracBits: number): number {
  return Number(value) / 2 ** fracBits
}
