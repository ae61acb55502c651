import { isUtf8 } from 'node:buffer'

/**
 * Offset of the first byte that does not start or continue a well-formed UTF-8 sequence in
 * `bytes[start, end)`, or -1 when the range is valid UTF-8. Overlong forms, surrogates (U+D800 to
 * U+DFFF) and code points above U+10FFFF are invalid, as in the WHATWG decoder with `fatal: true`.
 * Why our own scan: `TextDecoder` says only that decoding failed, and the user needs the position.
 */
export function invalidUtf8Offset(bytes: Uint8Array, start = 0, end = bytes.length): number {
  // The common case (valid text) stays on Node's native check.
  if (isUtf8(bytes.subarray(start, end))) return -1
  let i = start
  while (i < end) {
    const b = bytes[i]
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (b >= 0xc2 && b <= 0xdf) need = 1
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      if (b === 0xe0) lo = 0xa0 // overlong
      if (b === 0xed) hi = 0x9f // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      if (b === 0xf0) lo = 0x90 // overlong
      if (b === 0xf4) hi = 0x8f // above U+10FFFF
    } else return i
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (i + k >= end || c === undefined) return i
      const [l, h] = k === 1 ? [lo, hi] : [0x80, 0xbf]
      if (c < l || c > h) return i
    }
    i += need + 1
  }
  return -1
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `text` holds a lone UTF-16 surrogate, which has no UTF-8 form (String#isWellFormed, ES2024). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}
