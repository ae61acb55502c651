import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from '../../layout/index.ts'
import type { CircomCircuit } from '../proofSystem.ts'

const run = promisify(execFile)
const require = createRequire(import.meta.url)

/** The circom C++ witness generator of a compiled circuit: the folder `circom --c` wrote. */
export type CircuitCpp = { cppDir: string; reason?: undefined } | { cppDir?: undefined; reason: string }

/** Where a compiled circuit's C++ goes: `<circuit dir>/<name>_cpp`, beside its `_js` (compileCircuit's layout). */
export function circuitCppDir(circuit: CircomCircuit): string {
  return join(circuitDirOf(circuit), `${circuit.name}_cpp`)
}

function circuitDirOf(circuit: CircomCircuit): string {
  return resolve(dirname(dirname(circuit.wasmPath)))
}

/** The circuit's source hash (compileCircuit's stamp), which the C++ folder must carry to be current. */
function sourceStamp(circuit: CircomCircuit): string | undefined {
  const path = join(circuitDirOf(circuit), 'source.sha256')
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

/** True when the circuit's C++ is there and generated from the circuit's current source. */
export function circuitCppIsCurrent(circuit: CircomCircuit): boolean {
  const stamp = sourceStamp(circuit)
  const own = join(circuitCppDir(circuit), 'source.sha256')
  return stamp !== undefined && existsSync(own) && readFileSync(own, 'utf8') === stamp
}

/**
 * Have circom2 write the circuit's C++ witness generator (`--c --O2`, the simplification its r1cs
 * and wasm were compiled with, so the wires are numbered alike) beside its `_js` folder, once per
 * circuit source: compileCircuit does not ask for it, since only the circuits that are proven need
 * it and most compiled in the tests never are. Built in a temporary folder and renamed into place.
 * `{ reason }` when the circuit's main file or stamp is missing or circom2 fails.
 */
export async function ensureCircuitCpp(circuit: CircomCircuit, onLog: (line: string) => void = () => {}, signal?: AbortSignal): Promise<CircuitCpp> {
  const cppDir = circuitCppDir(circuit)
  if (circuitCppIsCurrent(circuit)) return { cppDir }
  const dir = circuitDirOf(circuit)
  const main = join(dir, `${circuit.name}.circom`)
  const stamp = sourceStamp(circuit)
  if (!existsSync(main) || stamp === undefined) return { reason: `${main} or its source.sha256 is missing (compile the circuit first)` }
  const tmp = `${cppDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  onLog(`generating ${circuit.name}'s C++ witness generator with circom2 --c`)
  try {
    mkdirSync(tmp, { recursive: true })
    // circom2 runs under WASI and sees the file system through the working directory only.
    await run(process.execPath, [require.resolve('circom2/cli.js'), relative(PACKAGE_ROOT, main), '--c', '--O2', '-l', 'node_modules', '-o', relative(PACKAGE_ROOT, tmp)], {
      maxBuffer: 64 << 20,
      cwd: PACKAGE_ROOT,
      signal,
    })
    const written = join(tmp, `${circuit.name}_cpp`)
    writeFileSync(join(written, 'source.sha256'), stamp)
    // Another process may have placed the same folder meanwhile (and be compiling from it): keep it.
    if (circuitCppIsCurrent(circuit)) return { cppDir }
    rmSync(cppDir, { recursive: true, force: true })
    try {
      renameSync(written, cppDir)
    } catch (error) {
      // Another process renamed its (identical) folder first.
      if (!circuitCppIsCurrent(circuit)) throw error
    }
    return { cppDir }
  } catch (error: any) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`.trim().split('\n').slice(-3).join(' | ')
    return { reason: `circom2 --c failed for ${basename(main)}: ${output}` }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
