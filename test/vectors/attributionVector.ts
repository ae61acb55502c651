import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { jsonSafe } from '../../prover/errors/index.ts'
import type { BuildAttributionWitnessParameters } from '../../prover/witness/index.ts'
import { buildAttributionWitness } from '../../prover/witness/index.ts'
import { TINY_PARAMS } from '../../prover/proof/circuitParams.ts'
import { randomScenario } from '../witnessFixture.ts'

/**
 * The shared attribution vector (test/vectors/attribution_tiny.json): witness-builder parameters
 * with real Merkle proofs, and the expected scores, payouts and public signals. Read by the TS
 * reference test, the circuit test and the settlement's Hardhat test. Regenerate with
 * `npx tsx test/vectors/attributionVector.ts` (seeded: the file only changes with the code).
 */
export const VECTOR_PATH = fileURLToPath(new URL('./attribution_tiny.json', import.meta.url))

export type AttributionVector = {
  description: string
  parameters: BuildAttributionWitnessParameters
  expected: { scores: bigint[]; payouts: bigint[]; undistributed: bigint; publicSignals: bigint[] }
}

const big = (x: unknown): any =>
  typeof x === 'string' && /^-?[0-9]+$/.test(x) ? BigInt(x) : Array.isArray(x) ? x.map(big) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'leafIndex' || k === 'candidateSlots' || k === 'featureCount' || k === 'treeDepth' ? v : big(v)])) : x

/** Read the vector, turning decimal strings back into bigints (leaf indices and params stay numbers). */
export function readAttributionVector(): AttributionVector {
  return big(JSON.parse(readFileSync(VECTOR_PATH, 'utf8')))
}

async function generate(): Promise<void> {
  // Three candidates out of 40 records, drawn among those that score above 0 (the only ones a slot may hold).
  const parameters = await randomScenario({ params: TINY_PARAMS, seed: 2027, records: 40 })
  const built = await buildAttributionWitness(parameters)
  const vector = {
    description: 'Attribution(3, 8, 8): 40 random records, 3 candidates, seeded (2027); scores, payouts and public signals from the TS reference, accepted by the circuit',
    parameters,
    expected: { scores: built.scores, payouts: built.payouts, undistributed: built.undistributed, publicSignals: built.publicSignals },
  }
  writeFileSync(VECTOR_PATH, `${JSON.stringify(jsonSafe(vector), null, 1)}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await generate()
