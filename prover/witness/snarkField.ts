/**
 * BN254's scalar field order r, the modulus of every circom signal (read from the circuit's r1cs
 * header, and what the snarkjs verifier checks public inputs against).
 * Why not prover/field's FIELD_MODULUS: that constant (...435879940197) is not BN254's r
 * (...575808495617) and is smaller than it; until its owner fixes it, the witness side encodes
 * negative values with the real r so that the circuit reads them as the intended negatives.
 * test/witness.test.ts pins this value against the compiled r1cs.
 */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
