import { PoaError } from './poaError.ts'

/** A value meant to be a BN254 scalar field element is negative or not below r. */
export class FieldOutOfRangeError extends PoaError {
  constructor({ where, value }: { where: string; value: bigint }) {
    super('FIELD_OUT_OF_RANGE', 'BAD_INPUT', `${where} = ${value} is not in [0, r) of BN254`, { meta: { where, value } })
  }
}

/** A string meant to be an EVM address is not a 20-byte hex address (or fails its EIP-55 checksum). */
export class InvalidAddressError extends PoaError {
  constructor({ where, value, reason }: { where: string; value: string; reason: string }) {
    super('INVALID_ADDRESS', 'BAD_INPUT', `${where}: "${value}" ${reason}`, { meta: { where, value } })
  }
}

/** A signed fixed-point value falls outside its stated bound. */
export class ValueOutOfRangeError extends PoaError {
  constructor({ where, value, min, max }: { where: string; value: bigint | number; min: bigint | number; max: bigint | number }) {
    super('VALUE_OUT_OF_RANGE', 'BAD_INPUT', `${where} = ${value} is outside [${min}, ${max}]`, { meta: { where, value, min, max } })
  }
}
