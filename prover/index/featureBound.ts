/**
 * The feature bound alone, with no hashing behind it: a feature is a signed integer of FEATURE_BITS
 * bits, -2^15 < phi < 2^15 (featureHash.ts says how they are committed). Scoring imports it from
 * here so that a scoring process or bench does not load Poseidon (circomlibjs, ethers) for a constant.
 */
export const FEATURE_BITS = 16
export const FEATURE_BOUND = (1n << BigInt(FEATURE_BITS - 1)) - 1n
