import { buildLayout, packagePath } from '../../layout/index.ts'
import { compileNative } from '../../nativeBuild/index.ts'
import { NativeProverUnavailableError, ProverChoiceError } from '../errors.ts'

const SOURCE_DIR = packagePath('native', 'groth16')
/** Each program of native/groth16 and the files its binary is keyed by (its main source first). */
const PROGRAMS = {
  groth16_prove: ['groth16_prove.c', 'program.h', 'iden3_file.h', 'field.h', 'group.h', 'msm.h'],
  ptau_prepare: ['ptau_prepare.c', 'program.h', 'iden3_file.h', 'field.h', 'group.h', 'group_fft.h'],
  /** Checks the fast field product against the portable one and prints both rates (a test and the bench run it). */
  field_check: ['field_check.c', 'field.h'],
  /** Checks the G1 MSM against a sum of double-and-add products for every window width (a test runs it). */
  msm_check: ['msm_check.c', 'field.h', 'group.h', 'msm.h'],
} as const
export type NativeProgram = keyof typeof PROGRAMS
const FLAGS = ['-O3', '-march=native', '-std=gnu11', '-pthread']

/** Which Groth16 prover runs: the native one (with its binary) or snarkjs (with the reason). */
export type Groth16ProverChoice = { prover: 'native'; binary: string; reason?: undefined } | { prover: 'snarkjs'; binary?: undefined; reason: string }

export type NativeProverStatus = { binary: string; reason?: undefined } | { binary?: undefined; reason: string }

export type LoadNativeProverParameters = {
  /** Default `<package>/build`; the binary goes to `<buildDir>/native`. */
  buildDir?: string
  /** The C compiler; default $CC, else `cc`. */
  cc?: string
}

const loading = new Map<string, Promise<NativeProverStatus>>()

/**
 * Compile native/groth16's prover into a program (once, cached under `<buildDir>/native` by a hash of the
 * sources, the compiler, its flags and this CPU, since -march=native code may not run on another).
 * Resolves to `{ reason }` when there is no compiler or the build fails, so callers fall back to
 * snarkjs and say why. Concurrent builds write distinct temporary files and rename atomically.
 */
export function loadNativeProver(parameters: LoadNativeProverParameters = {}): Promise<NativeProverStatus> {
  return loadNativeProgram('groth16_prove', parameters)
}

/**
 * Compile one program of native/groth16 (groth16_prove, ptau_prepare) the same way as
 * loadNativeProver: cached by source hash, `{ reason }` when it cannot be built.
 */
export function loadNativeProgram(program: NativeProgram, { buildDir, cc = process.env.CC ?? 'cc' }: LoadNativeProverParameters = {}): Promise<NativeProverStatus> {
  const binDir = buildLayout(buildDir).nativeDir
  const key = `${program}\0${binDir}\0${cc}`
  let status = loading.get(key)
  if (!status) loading.set(key, (status = build(program, binDir, cc)))
  return status
}

function build(program: NativeProgram, binDir: string, cc: string): Promise<NativeProverStatus> {
  return compileNative({ name: program, sourceDir: SOURCE_DIR, sources: PROGRAMS[program], binDir, cc, flags: FLAGS })
}

export type ChooseGroth16ProverParameters = LoadNativeProverParameters & {
  /** native, snarkjs or auto (default: $POA_PROVER, else auto). */
  choice?: string
}

/**
 * The Groth16 prover to run: native when it builds (auto) or when asked (native: an error if it
 * cannot build), snarkjs when asked or as the fallback, with the reason.
 */
export async function chooseGroth16Prover({ choice = process.env.POA_PROVER || 'auto', ...load }: ChooseGroth16ProverParameters = {}): Promise<Groth16ProverChoice> {
  if (choice !== 'auto' && choice !== 'native' && choice !== 'snarkjs') throw new ProverChoiceError({ value: choice })
  if (choice === 'snarkjs') return { prover: 'snarkjs', reason: 'POA_PROVER=snarkjs' }
  const status = await loadNativeProver(load)
  if (status.binary) return { prover: 'native', binary: status.binary }
  if (choice === 'native') throw new NativeProverUnavailableError({ reason: status.reason ?? 'unknown' })
  return { prover: 'snarkjs', reason: `native prover unavailable: ${status.reason ?? 'unknown'}` }
}
