import type { DatanetRef } from '../datanet/index.ts'
import { ApiInputError } from './serveErrors.ts'

/**
 * Field readers for JSON bodies and query strings: each checks at the door and names the field,
 * what it expected and what came (ApiInputError, HTTP 400), so a route trusts its values after.
 */
type Fields = Record<string, unknown> | undefined | null

export function requiredText(from: Fields, field: string, { pattern, max = 10_000 }: { pattern?: RegExp; max?: number } = {}): string {
  const value = from?.[field]
  if (typeof value !== 'string' || value.length === 0 || value.length > max || (pattern && !pattern.test(value))) {
    throw new ApiInputError({ field, expected: pattern ? `text matching ${pattern}` : `non-empty text of at most ${max} characters`, got: value })
  }
  return value
}

export function optionalText(from: Fields, field: string, options?: { pattern?: RegExp; max?: number }): string | undefined {
  return from?.[field] === undefined || from[field] === '' ? undefined : requiredText(from, field, options)
}

/** An integer in [min, max], as a JSON number or a string of digits (query strings). */
export function optionalInteger(from: Fields, field: string, min: number, max: number): number | undefined {
  const value = from?.[field]
  if (value === undefined || value === '') return undefined
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new ApiInputError({ field, expected: `an integer in [${min}, ${max}]`, got: value })
  return n
}

export function optionalNumber(from: Fields, field: string, { positive = true }: { positive?: boolean } = {}): number | undefined {
  const value = from?.[field]
  if (value === undefined || value === '') return undefined
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n) || (positive && !(n > 0))) throw new ApiInputError({ field, expected: positive ? 'a positive number' : 'a number', got: value })
  return n
}

/** A positive OPEN amount with up to 18 decimals ("1.5"), as wei. */
export function openAmount(from: Fields, field: string): bigint {
  const text = from?.[field]
  const m = typeof text === 'string' ? /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(text) : null
  const wei = m ? BigInt(m[1]) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0')) : 0n
  if (wei <= 0n) throw new ApiInputError({ field, expected: 'a positive OPEN amount such as 1.5', got: text })
  return wei
}

/** A datanet named by id (digits) or name, as the CLI takes it. */
export function datanetRef(text: string): DatanetRef {
  return /^\d{1,9}$/.test(text) ? Number(text) : text
}

export function requiredInteger(from: Fields, field: string, min: number, max: number): number {
  const n = optionalInteger(from, field, min, max)
  if (n === undefined) throw new ApiInputError({ field, expected: `an integer in [${min}, ${max}]`, got: undefined })
  return n
}
