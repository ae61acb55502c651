import { FIELD_MODULUS } from '../field/index.ts'

/**
 * BN254's scalar field order r, the modulus of every circom signal, under the name the witness
 * code uses. One value lives in prover/field; test/witness.test.ts pins it against the compiled r1cs.
 */
export const SNARK_SCALAR_FIELD = FIELD_MODULUS
