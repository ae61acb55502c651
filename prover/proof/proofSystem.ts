import type { AttributionParams } from '../witness/attributionParams.ts'
import type { CompiledCircuit } from './compileCircuit.ts'
import type { ProofPackage } from './proofPackage.ts'
import type { ProveAttributionParameters } from './proveAttribution.ts'
import type { ProveInputParameters } from './proveInput.ts'

/*
 * The seam between poa and a proof system. Everything that sets up keys, proves, verifies, encodes
 * a proof for the chain or writes a verifier contract goes through a `ProofSystem`, looked up by
 * name (`getProofSystem`, proofSystems.ts). Groth16 (snarkjs) lives in ./groth16/, UltraHonk (Noir
 * programs proven with bb.js) in ./ultrahonk/; each is a folder implementing this type plus one
 * registry line. This file is types only: importing it loads no prover.
 */

/** Names of the proof systems poa knows (the registry's keys); a proof package's `system` is one of them. */
export type { ProofSystemName } from './proofSystems.ts'
import type { ProofSystemName } from './proofSystems.ts'

/** 0x-prefixed hex. */
export type Hex = `0x${string}`

/**
 * A proof and its public inputs in the shape every on-chain verifier takes
 * (`IAttributionVerifier.verify(bytes proof, uint256[] publicInputs)`): the proof is opaque bytes in
 * the system's own encoding, the public inputs are the circuit's, in circuit order.
 */
export type SolidityCalldata = {
  proof: Hex
  publicInputs: readonly bigint[]
}

/** A circom circuit as the Groth16 prover reads it: its WebAssembly witness generator. */
export type CircomCircuit = Pick<CompiledCircuit, 'name' | 'wasmPath'>

/**
 * A Noir program as the UltraHonk prover reads it: the JSON noir_wasm compiled (ACIR bytecode and
 * ABI). `inputOf` maps a circom-style input (signal name -> field elements, as the witness builders
 * write it) to the program's inputs (parameter name -> value); without it the input is passed as it
 * is, each number reduced into the field (a program whose parameters carry the signals' names).
 */
export type NoirCircuit = {
  name: string
  programPath: string
  inputOf?: (input: Record<string, unknown>) => Record<string, unknown>
}

/** The circuit a prover runs: circom's for Groth16, a Noir program for UltraHonk. */
export type ProverCircuit = CircomCircuit | NoirCircuit

/**
 * A circuit's keys under one setup. `circuitId` identifies the setup on-chain (the settlement keys
 * verifiers by it); it is computed from the verification key by the system's `circuitId`.
 */
export type CircuitKeys = {
  system: ProofSystemName
  /** The proving key file (Groth16: the .zkey; UltraHonk: JSON with the ACIR bytecode, the CRS points it needs and its verification key). */
  zkeyPath: string
  /** The verification key file (JSON; `protocol` names the system, `nPublic` the public input count). */
  vkeyPath: string
  /** The verification key as the system's verifier reads it. */
  verificationKey: any
  /** sha256 (hex) of the proving key file: identifies the setup's proving side. */
  zkeyHash: string
  /** The id over the verification key (0x + 64 hex), what `setVerifier` and `recordInference` take. */
  circuitId: Hex
}

/** The compiled circuit a key setup reads: circom's constraint system (Groth16) or a Noir program (UltraHonk). */
export type SetupCircuit = { r1csPath: string } | { programPath: string }

export type SetupKeysParameters = SetupCircuit & {
  /**
   * The system's setup material (Groth16: a powers of tau prepared for phase 2; UltraHonk: a folder
   * with the Barretenberg CRS, bn254_g1.dat and bn254_g2.dat, exported from a powers of tau).
   */
  setupMaterialPath: string
  /** Where the proving and verification keys are written (atomically). */
  zkeyPath: string
  vkeyPath: string
  /** Recorded in the key as the contributor of its one random contribution (Groth16), as the origin of its CRS (UltraHonk). */
  contributor: string
  log?: (line: string) => void
}

export type VerifyProofParameters = {
  verificationKey: any
  /** The package's `proof` field, in the system's JSON form. */
  proof: unknown
  /** Public signals in circuit order. */
  publicSignals: readonly bigint[]
  /** Keep shared prover state (snarkjs's curve, bb.js's verifier) alive for a batch; `release()` ends it. */
  keepCurve?: boolean
}

export type GenerateVerifierSourceParameters = {
  /** Artefact name of the circuit (part of the contract name). */
  circuitName: string
  keys: Pick<CircuitKeys, 'zkeyPath'>
  /** Output folder; default contracts/generated/. */
  outDir?: string
  /** Contract name; default `AttributionVerifier_<circuitName>`. */
  contractName?: string
}

export type VerifierSource = {
  contractName: string
  solPath: string
  zkeyHash: string
  publicInputCount: number
  circuitId: Hex
  /** False when the file already held this exact verifier and was left untouched. */
  changed: boolean
}

/**
 * The statements poa proves: the attribution of an inference, and the challenge (fraud proof) that
 * one omitted record scores above a settlement's threshold (docs/architecture.md).
 */
export type Statement = 'attribution' | 'challenge'

/** What one proof system provides to poa. Heavy code (the prover library) loads on first use. */
export interface ProofSystem {
  readonly name: ProofSystemName
  /** Set up a circuit's keys from the system's setup material (Groth16: phase 2 from a prepared ptau). */
  setupKeys(p: SetupKeysParameters): Promise<CircuitKeys>
  /** Load keys written by `setupKeys` (or by a ceremony export). */
  loadKeys(p: { zkeyPath: string; vkeyPath: string; zkeyHash?: string }): Promise<CircuitKeys>
  /** Prove an attribution witness; the package names this system and the keys' circuit id. */
  prove(p: ProveAttributionParameters): Promise<ProofPackage>
  /**
   * Prove any circuit's input with its keys (the challenge circuit's): the proof in the system's
   * JSON form and the public signals the circuit computed, in circuit order. Not verified here.
   */
  proveInput(p: ProveInputParameters): Promise<{ proof: unknown; publicSignals: bigint[] }>
  /** Check a proof against a verification key: false for a proof that does not verify; throws for a malformed key or proof. */
  verify(p: VerifyProofParameters): Promise<boolean>
  /** The on-chain verifier's arguments for a proof (its `proof` field) and its public signals. */
  calldata(p: { proof: unknown; publicSignals: readonly bigint[] }): SolidityCalldata
  /** Decode `calldata().proof` back into the system's proof JSON (the auditor reads it from a settle transaction). */
  proofOfCalldata(proof: Hex): unknown
  /** Write the Solidity verifier (an IAttributionVerifier) of a circuit's keys. */
  verifierSource(p: GenerateVerifierSourceParameters): Promise<VerifierSource>
  /** The circuit id over a verification key: equal to the generated verifier's `circuitId()`. */
  circuitId(verificationKey: any): Hex
  /** Names of the public inputs of a statement's circuit (default attribution), in the order the verifier takes them. */
  publicInputLayout(params: AttributionParams, statement?: Statement): string[]
  /** Free what `keepCurve` kept (worker threads that would keep the process alive); the next call builds it again. */
  release(): Promise<void>
}
