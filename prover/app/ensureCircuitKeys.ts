import { compileCircuit, type CircuitSpec, type CompiledCircuit } from '../proof/compileCircuit.ts'
import { CIRCUIT_SETS, attributionSpec, challengeSpec, type CircuitSetName } from '../proof/circuitParams.ts'
import type { Statement } from '../proof/proofSystem.ts'
import type { AttributionParams } from '../witness/attributionParams.ts'
import { ensureDevKeys, type DevKeys } from '../../ceremony/devSetup.ts'
import { ensureDevHonkKeys } from '../../ceremony/devHonkSetup.ts'
import { compileNoirAttribution, compileNoirChallenge, type NoirCircuit } from '../proof/noir/compileNoir.ts'
import { DEFAULT_PROOF_SYSTEM, type ProofSystemName } from '../proof/proofSystems.ts'
import type { CircuitKeys } from '../proof/proofSystem.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'

/** Options of ensureCircuitKeys: a named circuit set or explicit attribution parameters. */
export type EnsureCircuitKeysParameters = Pick<AppFolders, 'buildDir'> & Pick<AppReporting, 'log'> & {
  /** Which circuit of the set: the attribution circuit (default) or its challenge circuit. */
  statement?: Statement
  /** The proof system (default groth16): circom + snarkjs, or Noir + UltraHonk. */
  system?: ProofSystemName
} & (
  | { circuitSet: CircuitSetName; params?: undefined }
  | { params: AttributionParams; circuitSet?: undefined }
)

export type EnsureCircuitKeysReturnType = {
  spec: CircuitSpec
  params: AttributionParams
  /** The prover's circuit: circom's compiled circuit for Groth16, the Noir program for UltraHonk. */
  circuit: CompiledCircuit | NoirCircuit
  keys: DevKeys | CircuitKeys
  /** The circuit's name under its system: what its verifier contract and the settlement know it by. */
  circuitName: string
}

/**
 * The attribution circuit (or, with `statement: 'challenge'`, the challenge circuit of the same
 * parameters) compiled and its (INSECURE, cached) development keys under `buildDir`: Groth16 keys
 * of the circom circuit by default, UltraHonk keys of its Noir version with `system: 'ultrahonk'`.
 * The first call compiles and runs the dev setup (minutes), later calls only read.
 */
export async function ensureCircuitKeys(p: EnsureCircuitKeysParameters): Promise<EnsureCircuitKeysReturnType> {
  const params = p.params ?? CIRCUIT_SETS[p.circuitSet!]
  const spec = p.statement === 'challenge' ? challengeSpec(params) : attributionSpec(params)
  const system = p.system ?? DEFAULT_PROOF_SYSTEM
  if (system === 'ultrahonk') {
    // The same statement in Noir (circuits/noir/attribution or circuits/noir/challenge), keyed from
    // the dev CRS of the same powers of tau.
    const compile = p.statement === 'challenge' ? compileNoirChallenge : compileNoirAttribution
    const circuit = await compile(params, { buildDir: p.buildDir, log: p.log })
    const keys = await ensureDevHonkKeys(circuit, p.log, { buildDir: p.buildDir })
    return { spec, params, circuit, keys, circuitName: circuit.name }
  }
  const circuit = await compileCircuit(spec, p.log, { buildDir: p.buildDir })
  const keys = await ensureDevKeys(circuit, p.log, { buildDir: p.buildDir })
  return { spec, params, circuit, keys, circuitName: spec.name }
}
