/**
 * The names of poa's proof systems, in a module that loads nothing: the CLI offers them as choices
 * at start-up, before any prover library (or ethers) may load. proofSystems.ts's registry must have
 * exactly these keys (checked there by its type).
 */
export const PROOF_SYSTEM_NAMES = ['groth16', 'ultrahonk'] as const

/** A proof system poa knows; a proof package's `system` is one of them. */
export type ProofSystemName = (typeof PROOF_SYSTEM_NAMES)[number]

/** The system every key and package defaults to when none is named. */
export const DEFAULT_PROOF_SYSTEM: ProofSystemName = 'groth16'
