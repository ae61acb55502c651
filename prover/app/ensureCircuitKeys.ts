import { compileCircuit, type CircuitSpec, type CompiledCircuit } from '../proof/compileCircuit.ts'
import { CIRCUIT_SETS, attributionSpec, challengeSpec, type CircuitSetName } from '../proof/circuitParams.ts'
import type { Statement } from '../proof/proofSystem.ts'
import type { AttributionParams } from '../witness/attributionParams.ts'
import { ensureDevKeys, type DevKeys } from '../../ceremony/devSetup.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'

/** Options of ensureCircuitKeys: a named circuit set or explicit attribution parameters. */
export type EnsureCircuitKeysParameters = Pick<AppFolders, 'buildDir'> & Pick<AppReporting, 'log'> & {
  /** Which circuit of the set: the attribution circuit (default) or its challenge circuit. */
  statement?: Statement
} & (
  | { circuitSet: CircuitSetName; params?: undefined }
  | { params: AttributionParams; circuitSet?: undefined }
)

export type EnsureCircuitKeysReturnType = { spec: CircuitSpec; params: AttributionParams; circuit: CompiledCircuit; keys: DevKeys }

/**
 * The attribution circuit (or, with `statement: 'challenge'`, the challenge circuit of the same
 * parameters) compiled and its (INSECURE, cached) development Groth16 keys, under `buildDir`: the
 * first call compiles and runs the dev setup (minutes), later calls only read.
 */
export async function ensureCircuitKeys(p: EnsureCircuitKeysParameters): Promise<EnsureCircuitKeysReturnType> {
  const params = p.params ?? CIRCUIT_SETS[p.circuitSet!]
  const spec = p.statement === 'challenge' ? challengeSpec(params) : attributionSpec(params)
  const circuit = await compileCircuit(spec, p.log, { buildDir: p.buildDir })
  const keys = await ensureDevKeys(circuit, p.log, { buildDir: p.buildDir })
  return { spec, params, circuit, keys }
}
