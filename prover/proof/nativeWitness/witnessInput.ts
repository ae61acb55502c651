import { WitnessInputError } from '../errors.ts'

/** BN254's scalar field order: circom's prime, into which every input value is reduced. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** A circuit input with every value a decimal string in [0, r): what both witness generators read alike. */
export type NormalizedWitnessInput = Record<string, unknown>

/**
 * Check a circuit input (signal name -> value, arrays of values, or objects for circom buses) and
 * write every value as a decimal string reduced into the field, the way circom's WebAssembly
 * calculator reads it (BigInt(value) mod r, a negative value wrapping around). Both witness
 * generators then get the same input, so they accept and refuse alike. A value that is not an
 * integer (a fraction, text, null, a boolean) throws WitnessInputError naming the signal.
 */
export function normalizeWitnessInput(circuit: string, input: Record<string, unknown>): NormalizedWitnessInput {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new WitnessInputError({ circuit, reason: `expected an object of input signals, got ${describe(input)}` })
  const out: NormalizedWitnessInput = {}
  for (const [name, value] of Object.entries(input)) out[name] = normalize(circuit, name, value)
  return out
}

function normalize(circuit: string, path: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v, i) => normalize(circuit, `${path}[${i}]`, v))
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(circuit, `${path}.${k}`, v)]))
  let x: bigint
  if (typeof value === 'bigint') x = value
  else if (typeof value === 'number' && Number.isSafeInteger(value)) x = BigInt(value)
  else if (typeof value === 'string' && /^-?(\d+|0x[0-9a-fA-F]+)$/.test(value.trim())) x = value.trim().startsWith('-') ? -BigInt(value.trim().slice(1)) : BigInt(value.trim())
  else throw new WitnessInputError({ circuit, signal: path, reason: `${describe(value)} is not an integer (expected a bigint, a safe integer or a decimal or 0x string)` })
  return (((x % R) + R) % R).toString()
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return typeof value
}
