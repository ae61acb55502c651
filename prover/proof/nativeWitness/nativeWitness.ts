import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { buildLayout, packagePath } from '../../layout/index.ts'
import { compileNative, nativeBinaryPath, type CompileNativeParameters } from '../../nativeBuild/index.ts'
import { NativeWitnessUnavailableError, WitnessChoiceError } from '../errors.ts'
import type { CircomCircuit } from '../proofSystem.ts'
import { circuitCppDir, circuitCppIsCurrent, ensureCircuitCpp } from './circuitCpp.ts'

const MAIN = packagePath('native', 'witness', 'witness_main.cpp')
/**
 * -O0: the generated code is one call to fr.asm's field routines per operation, so the optimiser
 * gains little at run time while it is most of the build: the tiny circuit's 13 MB of C++ takes
 * 19 / 32 / 50 CPU-s at -O0 / -O1 / -O3 (~1 GB of g++ each) and -O3 ran it no faster than -O0; the
 * production circuit's witness takes 0.8 s at -O0 against 0.6 s at -O1 (WebAssembly: 4.4 s), for
 * 70 CPU-s of g++ instead of ~120. First use and the CI's fresh builds pay the compile.
 */
const FLAGS = ['-std=c++17', '-O0', '-w', '-Wl,-z,noexecstack']

/** Which witness generator runs: the circuit's native one (its binary and .dat) or circom's WebAssembly (with the reason). */
export type WitnessGeneratorChoice =
  | { generator: 'native'; binary: string; datPath: string; reason?: undefined }
  | { generator: 'wasm'; binary?: undefined; datPath?: undefined; reason: string }

export type NativeWitnessStatus = { binary: string; datPath: string; reason?: undefined } | { binary?: undefined; datPath?: undefined; reason: string }

export type LoadNativeWitnessParameters = {
  circuit: CircomCircuit
  /** Default `<package>/build`; the binary goes to `<buildDir>/native/witness_<circuit>-<key>`. */
  buildDir?: string
  /** The C++ compiler; default $CXX, else `g++`. */
  cxx?: string
  /** The assembler of circom's fr.asm; default $NASM, else `nasm`. */
  nasm?: string
  onLog?: (line: string) => void
  /** Kills circom2 or the compiler when aborted (a background build of a stopping node). */
  signal?: AbortSignal
}

function compileParameters(circuit: CircomCircuit, cppDir: string, binDir: string, cxx: string, nasm: string, signal?: AbortSignal): CompileNativeParameters {
  const units = [`${circuit.name}.cpp`, 'calcwit.cpp', 'fr.cpp']
  return {
    name: `witness_${circuit.name}`,
    sourceDir: cppDir,
    // The .dat (constants, input table, wire map) is keyed too: the binary is only right with its own.
    sources: [MAIN, ...units, 'calcwit.hpp', 'circom.hpp', 'fr.hpp', 'fr.asm', `${circuit.name}.dat`],
    alsoCompiled: units,
    assembled: { assembler: nasm, flags: process.platform === 'darwin' ? ['-fmacho64', '--prefix', '_'] : ['-felf64'], files: ['fr.asm'] },
    binDir,
    cc: cxx,
    flags: [...FLAGS, '-I', cppDir],
    libraries: ['-lgmp'],
    signal,
  }
}

/** Copy the circuit's .dat beside its binary (`<binary>.dat`, keyed with it), atomically. */
function placeDat(circuit: CircomCircuit, cppDir: string, binary: string): string {
  const datPath = `${binary}.dat`
  if (!existsSync(datPath)) {
    const tmp = `${datPath}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    copyFileSync(join(cppDir, `${circuit.name}.dat`), tmp)
    renameSync(tmp, datPath)
  }
  return datPath
}

/** Debian's package for what a failed build lacked, so the reason says what to install. */
function hint(reason: string): string {
  if (/nlohmann\/json\.hpp/.test(reason)) return `${reason}; install nlohmann-json3-dev`
  if (/gmp\.h|-lgmp/.test(reason)) return `${reason}; install libgmp-dev`
  if (/assemble .* ENOENT/.test(reason)) return `${reason}; install nasm`
  return reason
}

const loading = new Map<string, Promise<NativeWitnessStatus>>()

/**
 * Build the circuit's native witness generator (once per circuit source, compiler and CPU, cached
 * under `<buildDir>/native`): circom2 --c writes its C++, g++ compiles it with poa's main
 * (native/witness/witness_main.cpp), nasm assembles circom's field arithmetic. Takes 20-60 s and
 * ~1 GB per circuit on first use. `{ reason }` (naming the missing package when it can) when it
 * cannot be built, so callers fall back to the WebAssembly generator and say why.
 */
export function loadNativeWitness({ circuit, buildDir, cxx = process.env.CXX ?? 'g++', nasm = process.env.NASM ?? 'nasm', onLog, signal }: LoadNativeWitnessParameters): Promise<NativeWitnessStatus> {
  const binDir = buildLayout(buildDir).nativeDir
  const key = `${circuit.wasmPath}\0${binDir}\0${cxx}\0${nasm}`
  let status = loading.get(key)
  if (!status) {
    status = build(circuit, binDir, cxx, nasm, onLog, signal)
    loading.set(key, status)
    // A failed build is not remembered: the compiler or the package may be installed meanwhile.
    void status.then((s) => s.reason && loading.delete(key))
  }
  return status
}

async function build(circuit: CircomCircuit, binDir: string, cxx: string, nasm: string, onLog?: (line: string) => void, signal?: AbortSignal): Promise<NativeWitnessStatus> {
  const cpp = await ensureCircuitCpp(circuit, onLog, signal)
  if (cpp.cppDir === undefined) return { reason: cpp.reason }
  const parameters = compileParameters(circuit, cpp.cppDir, binDir, cxx, nasm, signal)
  if (!existsSync(nativeBinaryPath(parameters))) onLog?.(`compiling ${circuit.name}'s native witness generator with ${cxx} (first use)`)
  const compiled = await compileNative(parameters)
  if (compiled.binary === undefined) return { reason: hint(compiled.reason) }
  return { binary: compiled.binary, datPath: placeDat(circuit, cpp.cppDir, compiled.binary) }
}

/** The circuit's native witness generator when it is already built here (nothing is compiled), else undefined. */
export function builtNativeWitness({ circuit, buildDir, cxx = process.env.CXX ?? 'g++', nasm = process.env.NASM ?? 'nasm' }: Omit<LoadNativeWitnessParameters, 'onLog'>): { binary: string; datPath: string } | undefined {
  if (!circuitCppIsCurrent(circuit)) return undefined
  const cppDir = circuitCppDir(circuit)
  const binDir = buildLayout(buildDir).nativeDir
  // Hashing the circuit's C++ (13-37 MB) takes a while: once per process for a folder's stamp.
  const key = `${cppDir}\0${readFileSync(join(cppDir, 'source.sha256'), 'utf8')}\0${binDir}\0${cxx}\0${nasm}`
  let binary = binaryPaths.get(key)
  if (binary === undefined) {
    try {
      binary = nativeBinaryPath(compileParameters(circuit, cppDir, binDir, cxx, nasm))
    } catch {
      return undefined // a file of the C++ folder is missing
    }
    binaryPaths.set(key, binary)
  }
  return existsSync(binary) ? { binary, datPath: placeDat(circuit, cppDir, binary) } : undefined
}

const binaryPaths = new Map<string, string>()

export type ChooseWitnessGeneratorParameters = LoadNativeWitnessParameters & {
  /** native, wasm or auto (default: $POA_WITNESS, else auto). */
  choice?: string
}

/**
 * The witness generator to run for a circuit. auto (the default): the native one when it is
 * already built, else WebAssembly (building it takes 20-60 s and ~1 GB of g++ per circuit, more than
 * a small proof: `POA_WITNESS=native` once builds it, and auto uses it from then on). native:
 * build it on first use, an error if it cannot be built. wasm: circom's WebAssembly.
 */
export async function chooseWitnessGenerator({ choice = process.env.POA_WITNESS || 'auto', ...load }: ChooseWitnessGeneratorParameters): Promise<WitnessGeneratorChoice> {
  if (choice !== 'auto' && choice !== 'native' && choice !== 'wasm') throw new WitnessChoiceError({ value: choice })
  if (choice === 'wasm') return { generator: 'wasm', reason: 'POA_WITNESS=wasm' }
  if (choice === 'auto') {
    const built = builtNativeWitness(load)
    if (built) return { generator: 'native', ...built }
    return { generator: 'wasm', reason: `native witness generator of ${load.circuit.name} not built (POA_WITNESS=native builds it)` }
  }
  const status = await loadNativeWitness(load)
  if (status.binary !== undefined) return { generator: 'native', binary: status.binary, datPath: status.datPath }
  throw new NativeWitnessUnavailableError({ circuit: load.circuit.name, reason: status.reason })
}

export type StartNativeWitnessBuildParameters = Omit<LoadNativeWitnessParameters, 'onLog'> & {
  /** Told when the build starts and how it ends. */
  log: (line: string) => void
  /** native, wasm or auto (default: $POA_WITNESS, else auto): only auto builds in the background. */
  choice?: string
}

/**
 * For a long-running node under POA_WITNESS=auto: build the circuit's native witness generator in
 * the background when it is not built yet, so that its first proofs use WebAssembly (auto never
 * waits for a build) and the later ones the native generator, without anyone running
 * POA_WITNESS=native once. Does nothing under native (the first proof builds it) or wasm, or when
 * it is built. Resolves when the build ends (abort `signal` to stop it with the node); never rejects.
 */
export async function startNativeWitnessBuild({ choice = process.env.POA_WITNESS || 'auto', log, ...load }: StartNativeWitnessBuildParameters): Promise<void> {
  if (choice !== 'auto' || builtNativeWitness(load)) return
  log(`building ${load.circuit.name}'s native witness generator in the background (first use, 30-90 s of g++); proofs use WebAssembly until it is ready`)
  const status = await loadNativeWitness({ ...load, onLog: log }).catch((error: Error): NativeWitnessStatus => ({ reason: error.message }))
  if (load.signal?.aborted) return
  log(status.binary !== undefined ? `${load.circuit.name}'s native witness generator is ready: later proofs use it` : `${load.circuit.name}'s native witness generator could not be built, proofs keep WebAssembly: ${status.reason}`)
}
