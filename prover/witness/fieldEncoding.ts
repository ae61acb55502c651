import { SNARK_SCALAR_FIELD } from './snarkField.ts'

/** A signed integer as the field element the circuit sees (negatives as r - |x|). */
export function signedToField(x: bigint): bigint {
  return x < 0n ? SNARK_SCALAR_FIELD + x : x
}

/** The inverse of signedToField: a field element above r/2 is the negative integer x - r. */
export function fieldToSigned(x: bigint): bigint {
  return x > SNARK_SCALAR_FIELD >> 1n ? x - SNARK_SCALAR_FIELD : x
}
