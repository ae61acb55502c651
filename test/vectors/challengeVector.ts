import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { jsonSafe } from '../../prover/errors/index.ts'
import { buildChallengeInput } from '../../prover/witness/index.ts'
import { TINY_PARAMS } from '../../prover/proof/circuitParams.ts'
import { challengeScenario } from '../witnessFixture.ts'

/**
 * The shared challenge vector (test/vectors/challenge_tiny.json): the circom-style input of
 * Challenge(3, 8, 8) that buildChallengeInput makes for the best record a settlement left out (40
 * random records, the settlement paying ranks 6..8), and the public signals it computed. Both
 * statements must reproduce them: the circom circuit and the Noir program (test/noirChallenge.test.ts).
 * Regenerate with `npx tsx test/vectors/challengeVector.ts` (seeded: the file only changes with the code).
 */
export const CHALLENGE_VECTOR_PATH = fileURLToPath(new URL('./challenge_tiny.json', import.meta.url))

export type ChallengeVector = {
  description: string
  input: Record<string, bigint | bigint[] | bigint[][]>
  expected: { publicSignals: bigint[]; score: bigint; leafIndex: number; paidLeaves: number[] }
}

const big = (x: unknown): any =>
  typeof x === 'string' && /^-?[0-9]+$/.test(x) ? BigInt(x) : Array.isArray(x) ? x.map(big) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'leafIndex' || k === 'paidLeaves' ? v : big(v)])) : x

/** Read the vector, turning decimal strings back into bigints (the expected leaf index and paid leaves stay numbers). */
export function readChallengeVector(): ChallengeVector {
  const raw = JSON.parse(readFileSync(CHALLENGE_VECTOR_PATH, 'utf8'))
  return { ...big(raw), input: Object.fromEntries(Object.entries(raw.input).map(([k, v]) => [k, big(v)])) }
}

async function generate(): Promise<void> {
  const { all, byScore, paid, settlement } = await challengeScenario(2029, TINY_PARAMS)
  const record = byScore[0].i
  const built = await buildChallengeInput({
    params: TINY_PARAMS, challengeId: 12345n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[record],
    settlement: { threshold: settlement.publicInputs.threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
  })
  const vector = {
    description: 'Challenge(3, 8, 8): 40 random records (seed 2029), a settlement paying the records ranked 6..8, challenged with the best one; input and public signals from buildChallengeInput',
    input: built.input,
    expected: { publicSignals: built.publicSignals, score: built.score, leafIndex: record, paidLeaves: paid },
  }
  writeFileSync(CHALLENGE_VECTOR_PATH, `${JSON.stringify(jsonSafe(vector), null, 1)}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await generate()
