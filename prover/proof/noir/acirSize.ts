import { gunzipSync } from 'node:zlib'
import type { NoirProgram } from './compileNoir.ts'

export type AcirSize = {
  /** ACIR functions in the program (1: main, everything inlined). */
  functions: number
  /** Opcodes of main: AssertZero, RANGE and other black-box calls, Brillig calls, memory ops. */
  opcodes: number
  /** Witnesses of main (its current_witness_index + 1). */
  witnesses: number
}

/**
 * The size of a compiled program's main ACIR function, read from the head of its bytecode: noir
 * 1.0.0-beta.3 writes the program as gzipped bincode, `functions: Vec<Circuit>` (u64 length) whose
 * first Circuit opens with `current_witness_index: u32` and `opcodes: Vec<Opcode>` (u64 length).
 * Backend gates differ from opcodes (an opcode can take several gates, a Brillig call none):
 * Barretenberg's acirGetCircuitSizes counts those.
 */
export function acirSizeOf(program: Pick<NoirProgram, 'bytecode' | 'noir_version'>): AcirSize {
  if (!program.noir_version.startsWith('1.0.0-beta.3')) {
    throw new Error(`acirSizeOf reads noir 1.0.0-beta.3's bincode ACIR; this program was compiled by noir ${program.noir_version}`)
  }
  const acir = gunzipSync(Buffer.from(program.bytecode, 'base64'))
  const functions = Number(acir.readBigUInt64LE(0))
  if (functions < 1) throw new Error(`ACIR program has ${functions} functions`)
  return { functions, witnesses: acir.readUInt32LE(8) + 1, opcodes: Number(acir.readBigUInt64LE(12)) }
}
