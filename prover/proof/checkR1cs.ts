import type { R1cs, LinearCombination } from './readR1cs.ts'

export type CheckR1csReturnType = { ok: true } | { ok: false; constraint: number }

/**
 * Evaluate every constraint A * B = C of `r1cs` (read with constraints) on a full witness, in plain
 * bigint arithmetic mod the field prime. This is the judge for tampered witnesses: a malicious
 * prover controls every wire, so soundness means no change of wires satisfies all constraints.
 */
export function checkR1cs(r1cs: R1cs, witness: readonly bigint[]): CheckR1csReturnType {
  if (!r1cs.constraints) throw new TypeError('checkR1cs needs an r1cs read with { constraints: true }')
  if (witness.length < r1cs.nWires) throw new RangeError(`witness has ${witness.length} wires, the r1cs ${r1cs.nWires}`)
  if (witness[0] !== 1n) return { ok: false, constraint: -1 }
  const p = r1cs.prime
  const evaluate = (lc: LinearCombination): bigint => {
    let sum = 0n
    for (const [wire, coeff] of lc) sum += coeff * witness[wire]
    return sum % p
  }
  for (let i = 0; i < r1cs.constraints.length; i++) {
    const [a, b, c] = r1cs.constraints[i]
    if ((evaluate(a) * evaluate(b) - evaluate(c)) % p !== 0n) return { ok: false, constraint: i }
  }
  return { ok: true }
}
