/**
 * The one error base of poa. Every failure a user can meet is a subclass with a stable `code`,
 * a one-line `shortMessage` that says what was expected and what came in, and `meta` holding the
 * offending value and where it was found (file:line, field, index, block).
 */
export type PoaErrorCode =
  | 'INTERNAL'
  | 'USAGE'
  | 'BAD_INPUT'
  | 'VERIFICATION_FAILED'
  | 'CHAIN'

export type PoaErrorOptions = {
  meta?: Record<string, unknown>
  cause?: unknown
}

export class PoaError extends Error {
  override name = 'PoaError'
  /** Stable machine-readable code, for example `RECORD_MALFORMED`. */
  readonly code: string
  /** Which exit-status class the CLI maps this error to. */
  readonly kind: PoaErrorCode
  readonly shortMessage: string
  readonly meta: Record<string, unknown>

  constructor(code: string, kind: PoaErrorCode, shortMessage: string, options: PoaErrorOptions = {}) {
    super(shortMessage, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.kind = kind
    this.shortMessage = shortMessage
    this.meta = options.meta ?? {}
  }

  /** JSON-safe view (bigints as decimal strings) for `--json` output. */
  toJSON(): { code: string; message: string; meta: Record<string, unknown> } {
    return { code: this.code, message: this.shortMessage, meta: jsonSafe(this.meta) as Record<string, unknown> }
  }
}

/** Replace bigints by decimal strings, recursively, so a value can go through JSON.stringify. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  }
  return value
}
