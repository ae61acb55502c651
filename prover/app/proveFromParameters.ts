import { buildAttributionWitness, parseWitnessParameters } from '../witness/index.ts'
import { proveAttribution } from '../proof/proveAttribution.ts'
import type { ProofPackage } from '../proof/proofPackage.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { readJsonFile } from './readJsonFile.ts'

/** Options of proveFromParameters. */
export type ProveFromParametersParameters = Pick<AppFolders, 'buildDir'> & AppReporting & {
  /** Witness parameters JSON (buildAttributionWitness's parameters, as test/vectors/attribution_tiny.json's `parameters`). */
  input: string
  /** The inference settled, recorded in the package. */
  inferenceId?: string
}

/** Prove an attribution (Groth16, INSECURE dev keys) from a witness-parameters file; returns the proof package. */
export async function proveFromParameters(p: ProveFromParametersParameters): Promise<ProofPackage> {
  const parameters = parseWitnessParameters(await readJsonFile(p.input))
  const witness = await buildAttributionWitness(parameters)
  const { circuit, keys } = await ensureCircuitKeys({ params: parameters.params, buildDir: p.buildDir, log: p.log })
  return proveAttribution({
    circuit, keys, params: parameters.params, witness, queryInputHash: parameters.query.inputHash, inferenceId: p.inferenceId,
    onProgress: (p.onProgress ?? noProgress)(`proving ${circuit.name}`), signal: p.signal,
    onProver: (c) => p.log?.(`prover: ${c.prover}${c.reason ? ` (${c.reason})` : ''}`),
    onWitness: (c) => p.log?.(`witness: ${c.generator}${c.reason ? ` (${c.reason})` : ''}`),
  })
}
