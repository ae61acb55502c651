import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { calculateWitness, readSymbols } from '../prover/proof/calculateWitness.ts'
import { readR1cs, type R1cs } from '../prover/proof/readR1cs.ts'
import { checkR1cs } from '../prover/proof/checkR1cs.ts'
import { TINY_SPEC } from '../prover/proof/circuitParams.ts'
import { SNARK_SCALAR_FIELD } from '../prover/witness/index.ts'

/**
 * The tiny attribution circuit with its constraints and symbol table loaded, and helpers to
 * tamper with a computed witness the way a malicious prover could (any wire, any value).
 */
export type CircuitHarness = {
  circuit: CompiledCircuit
  r1cs: R1cs
  wire(name: string): number
  witness(input: Record<string, unknown>): Promise<bigint[]>
  /** True when every constraint holds. */
  satisfies(witness: readonly bigint[]): boolean
  /** A copy of `witness` with wires set (values reduced mod r, negatives allowed). */
  tamper(witness: readonly bigint[], changes: Record<string, bigint>): bigint[]
  /**
   * The `n` output bits of a Num2Bits component at `prefix` set to `value`'s binary digits. Bits that
   * --O2 substituted away (a bit that a linear constraint expresses through other wires) are skipped:
   * their value follows from the wires that remain.
   */
  bits(prefix: string, value: bigint, n: number): Record<string, bigint>
  read(witness: readonly bigint[], name: string): bigint
}

export async function loadHarness(spec = TINY_SPEC): Promise<CircuitHarness> {
  const circuit = await compileCircuit(spec)
  const r1cs = await readR1cs(circuit.r1csPath, { constraints: true })
  const symbols = await readSymbols(circuit)
  const wire = (name: string) => {
    const w = symbols.get(name)
    if (w === undefined) throw new Error(`signal ${name} is not a wire of ${circuit.name} (eliminated by --O2 or misspelt)`)
    return w
  }
  const mod = (x: bigint) => ((x % SNARK_SCALAR_FIELD) + SNARK_SCALAR_FIELD) % SNARK_SCALAR_FIELD
  return {
    circuit,
    r1cs,
    wire,
    witness: (input) => calculateWitness(circuit, input),
    satisfies: (w) => checkR1cs(r1cs, w).ok,
    tamper: (w, changes) => {
      const copy = w.slice()
      for (const [name, value] of Object.entries(changes)) copy[wire(name)] = mod(value)
      return copy
    },
    bits: (prefix, value, n) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, j) => [`${prefix}.out[${j}]`, (value >> BigInt(j)) & 1n] as const).filter(([name]) => symbols.has(name)),
      ),
    read: (w, name) => w[wire(name)],
  }
}
