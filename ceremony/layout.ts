import { isAbsolute, join, relative, resolve } from 'node:path'
import { CeremonyInputError } from './errors.ts'

/**
 * Where a ceremony keeps its artefacts, relative to the ceremony folder. Names carry the power and
 * the position in the chain so a participant can tell at a glance which file is the latest.
 *   phase1/pot<power>_<nnnn>.ptau           init (0000), then one per contribution/beacon
 *   phase1/pot<power>_final.ptau            prepared for phase 2 (and the Barretenberg CRS)
 *   phase2/<circuit>/<circuit>.r1cs         the constraint system the keys are for
 *   phase2/<circuit>/<circuit>_<nnnn>.zkey  setup (0000), then one per contribution/beacon
 *   phase2/<circuit>/<circuit>_final.zkey   finalized proving key
 *   phase2/<circuit>/verification_key.json, Groth16Verifier.sol, circuit_id.json   exports
 */
export const phase1File = (power: number, index: number) => `phase1/pot${power}_${String(index).padStart(4, '0')}.ptau`
export const phase1Final = (power: number) => `phase1/pot${power}_final.ptau`
export const phase2Dir = (circuit: string) => `phase2/${circuit}`
export const phase2R1cs = (circuit: string) => `${phase2Dir(circuit)}/${circuit}.r1cs`
export const phase2File = (circuit: string, index: number) => `${phase2Dir(circuit)}/${circuit}_${String(index).padStart(4, '0')}.zkey`
export const phase2Final = (circuit: string) => `${phase2Dir(circuit)}/${circuit}_final.zkey`

/** Absolute path of a transcript path: relative ones are inside the ceremony folder. */
export function resolveIn(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, file)
}

/** Path to store in the transcript: relative when inside the ceremony folder, else absolute. */
export function storedPath(dir: string, file: string): string {
  const rel = relative(resolve(dir), resolve(file))
  return rel.startsWith('..') || isAbsolute(rel) ? resolve(file) : rel
}

const CIRCUIT_NAME = /^[A-Za-z0-9_-]{1,64}$/

export function checkCircuitName(name: string): string {
  if (!CIRCUIT_NAME.test(name)) throw new CeremonyInputError({ where: 'circuit', value: name, expected: 'a name of 1-64 letters, digits, "_" or "-"' })
  return name
}

/** snarkjs keeps the first 64 UTF-8 bytes of a name; the transcript must match the file exactly. */
export function checkContributorName(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes < 1 || bytes > 64 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new CeremonyInputError({ where: 'contributor name', value: name, expected: '1-64 UTF-8 bytes without control characters' })
  }
  return name
}

export function checkPower(power: number): number {
  if (!Number.isInteger(power) || power < 1 || power > 28) throw new CeremonyInputError({ where: 'power', value: power, expected: 'an integer in [1, 28] (2^power constraints)' })
  return power
}

/** A beacon as snarkjs accepts it: 1-255 bytes of hex, 2^10..2^63 sha256 iterations. */
export function checkBeacon(hash: string, iterationsExp: number): { hash: string; iterationsExp: number } {
  const clean = hash.startsWith('0x') ? hash.slice(2) : hash
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(clean)) throw new CeremonyInputError({ where: 'beacon hash', value: hash, expected: '1-255 bytes of hex (for example a future block hash)' })
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw new CeremonyInputError({ where: 'beacon iterations exponent', value: iterationsExp, expected: 'an integer in [10, 63] (2^n sha256 rounds)' })
  }
  return { hash: clean.toLowerCase(), iterationsExp }
}
