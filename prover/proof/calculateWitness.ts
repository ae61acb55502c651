import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PoaError } from '../errors/index.ts'
import type { CompiledCircuit } from './compileCircuit.ts'

const require = createRequire(import.meta.url)

/** The circuit's own witness calculator refused the input: an `===` or a range check failed. */
export class WitnessUnsatisfiedError extends PoaError {
  /** `detail` overrides what is read from the cause (the native generator names the assertion its own way). */
  constructor({ circuit, cause, detail: given }: { circuit: string; cause: unknown; detail?: string }) {
    // circom reports the failing assertion innermost first: "Error in template Num2Bits_1 line: 38",
    // then each enclosing template. Keep that chain, it names the check that failed.
    const text = cause instanceof Error ? cause.message : String(cause)
    const chain = [...text.matchAll(/template (\w+?)_\d+ line: (\d+)/g)].map((m) => `${m[1]}:${m[2]}`)
    const detail = given ?? (chain.length ? `assertion failed in ${chain.join(' < ')}` : text.split('\n')[0])
    super('WITNESS_UNSATISFIED', 'BAD_INPUT', `circuit ${circuit} rejects the input: ${detail}`, { meta: { circuit }, cause })
  }
}

type WitnessCalculator = { calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]> }
const calculators = new Map<string, Promise<WitnessCalculator>>()

function calculatorFor(circuit: CompiledCircuit): Promise<WitnessCalculator> {
  let calc = calculators.get(circuit.wasmPath)
  if (!calc) {
    // circom writes a CommonJS calculator beside the wasm; compileCircuit marks that folder commonjs.
    const builder = require(join(dirname(circuit.wasmPath), 'witness_calculator.js'))
    calc = readFile(circuit.wasmPath).then((wasm) => builder(wasm) as Promise<WitnessCalculator>)
    calculators.set(circuit.wasmPath, calc)
  }
  return calc
}

/**
 * Run the circuit's WebAssembly witness calculator in this thread and return every wire's value
 * (wire 0 is the constant 1, then outputs, public inputs, private inputs, internal signals).
 * It evaluates the `===` assertions as it goes, so an input the circuit rejects throws
 * WitnessUnsatisfiedError; a witness it returns still deserves `checkR1cs` when hints were altered.
 */
export async function calculateWitness(circuit: CompiledCircuit, input: Record<string, unknown>): Promise<bigint[]> {
  const calc = await calculatorFor(circuit)
  try {
    return await calc.calculateWitness(input, true)
  } catch (cause) {
    // The calculator's WebAssembly instance keeps its error text across calls: start afresh.
    calculators.delete(circuit.wasmPath)
    throw new WitnessUnsatisfiedError({ circuit: circuit.name, cause })
  }
}

/** Signal name (as in the .sym file, `main.x[2]`) -> wire index, for signals the optimiser kept. */
export async function readSymbols(circuit: CompiledCircuit): Promise<Map<string, number>> {
  const text = await readFile(circuit.symPath, 'utf8')
  const map = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line) continue
    const [, wire, , name] = line.split(',')
    const w = Number(wire)
    if (w >= 0) map.set(name, w)
  }
  return map
}
