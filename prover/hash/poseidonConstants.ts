import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/**
 * circomlib's Poseidon constants for one state width t = inputs + 1, in the optimized form that
 * `circomlib/circuits/poseidon.circom` and circomlibjs's `poseidon_opt.js` use (the sparse partial
 * rounds of https://github.com/filecoin-project/neptune): round constants C, sparse matrices S, the
 * MDS matrix M and the pre-sparse matrix P. Anything that hashes with these (the Noir attribution
 * circuit's Poseidon, generated from them) agrees with `getPoseidon()` bit for bit.
 */
export type PoseidonConstants = {
  /** State width: inputs + 1. */
  t: number
  fullRounds: number
  partialRounds: number
  /** t * fullRounds + partialRounds round constants. */
  C: readonly bigint[]
  /** (2t - 1) * partialRounds entries. */
  S: readonly bigint[]
  M: readonly (readonly bigint[])[]
  P: readonly (readonly bigint[])[]
}

/** Partial rounds per width t = 2..17 (circomlib's N_ROUNDS_P); full rounds are always 8. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const
const FULL_ROUNDS = 8

let table: { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] } | undefined

/** circomlibjs's `src/poseidon_constants_opt.json`, found above its entry point (the package exports no subpaths). */
function readTable(): NonNullable<typeof table> {
  if (table) return table
  let dir = dirname(require.resolve('circomlibjs'))
  while (!existsSync(join(dir, 'src', 'poseidon_constants_opt.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('circomlibjs ships no src/poseidon_constants_opt.json')
    dir = parent
  }
  table = JSON.parse(readFileSync(join(dir, 'src', 'poseidon_constants_opt.json'), 'utf8'))
  return table!
}

/** The constants of Poseidon over `inputs` field elements (1..16). */
export function poseidonConstants(inputs: number): PoseidonConstants {
  if (!Number.isInteger(inputs) || inputs < 1 || inputs > PARTIAL_ROUNDS.length) throw new RangeError(`Poseidon takes 1..16 inputs, got ${inputs}`)
  const t = inputs + 1
  const { C, S, M, P } = readTable()
  const partialRounds = PARTIAL_ROUNDS[t - 2]
  const constants: PoseidonConstants = {
    t,
    fullRounds: FULL_ROUNDS,
    partialRounds,
    C: C[t - 2].map((x) => BigInt(x)),
    S: S[t - 2].map((x) => BigInt(x)),
    M: M[t - 2].map((row) => row.map((x) => BigInt(x))),
    P: P[t - 2].map((row) => row.map((x) => BigInt(x))),
  }
  if (constants.C.length !== t * FULL_ROUNDS + partialRounds || constants.S.length !== (2 * t - 1) * partialRounds) {
    throw new Error(`circomlibjs's Poseidon constants for t = ${t} have ${constants.C.length} round constants and ${constants.S.length} sparse entries`)
  }
  return constants
}
