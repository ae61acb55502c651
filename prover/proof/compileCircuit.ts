import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PoaError } from '../errors/index.ts'
import { buildLayout, PACKAGE_ROOT } from '../layout/index.ts'

const run = promisify(execFile)
const require = createRequire(import.meta.url)


export class CircuitCompileError extends PoaError {
  constructor({ name, output }: { name: string; output: string }) {
    super('CIRCUIT_COMPILE_FAILED', 'INTERNAL', `circom2 failed to compile ${name}: ${output.trim().split('\n').slice(-6).join(' | ')}`, {
      meta: { name },
    })
  }
}

/** A main component: which template from which source, with which parameters and public inputs. */
export type CircuitSpec = {
  /** Artifact name, carrying the parameters, for example `attribution_d8_k8_K4`. */
  name: string
  /** Path of the .circom file holding the template, relative to the repository root. */
  source: string
  template: string
  params: readonly number[]
  /** Input signals of the main component that are public. */
  publicInputs: readonly string[]
}

export type CompiledCircuit = {
  name: string
  dir: string
  r1csPath: string
  wasmPath: string
  symPath: string
  /** sha256 over the main file, every included source and the compiler version: the cache key. */
  sourceHash: string
}

// circom2 runs under WASI and sees the file system through the working directory only, so every
// path handed to it is relative to the repository root, which is where it runs.
function mainSource(spec: CircuitSpec, mainDir: string): string {
  const pub = spec.publicInputs.length ? ` {public [${spec.publicInputs.join(', ')}]}` : ''
  return `pragma circom 2.1.9;\ninclude "${relative(mainDir, join(PACKAGE_ROOT, spec.source))}";\ncomponent main${pub} = ${spec.template}(${spec.params.join(', ')});\n`
}

/** Hash a source and, recursively, everything it includes (circomlib included), in include order. */
function hashSources(file: string, hash: ReturnType<typeof createHash>, seen: Set<string>): void {
  if (seen.has(file)) return
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  hash.update(file).update('\0').update(text)
  for (const match of text.matchAll(/^\s*include\s+"([^"]+)"/gm)) {
    const target = resolveInclude(match[1], dirname(file))
    if (target) hashSources(target, hash, seen)
  }
}

function resolveInclude(path: string, from: string): string | undefined {
  for (const candidate of [resolve(from, path), join(PACKAGE_ROOT, 'node_modules', path), resolve(PACKAGE_ROOT, path)]) {
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

/** Options of compileCircuit. */
export type CompileCircuitOptions = {
  /** Build folder (default `<package>/build`). circom2 (WASI) only sees the package folder, so keep it inside. */
  buildDir?: string
}

/**
 * Compile a circuit with circom2 (`--r1cs --wasm --sym --O2`) into `<buildDir>/circuits/<name>/`,
 * skipping the work when a build with the same source hash is already there. The build is made
 * in a temporary folder and renamed into place, so an interrupted compile never looks finished.
 */
export async function compileCircuit(spec: CircuitSpec, onLog: (line: string) => void = () => {}, { buildDir }: CompileCircuitOptions = {}): Promise<CompiledCircuit> {
  const dir = buildLayout(buildDir).circuitDir(spec.name)
  const tmp = `${dir}.tmp-${process.pid}`
  const main = mainSource(spec, tmp)
  const hash = createHash('sha256').update(main)
  hashSources(join(PACKAGE_ROOT, spec.source), hash, new Set())
  hash.update(readFileSync(require.resolve('circom2/package.json')))
  const sourceHash = hash.digest('hex')
  const result: CompiledCircuit = {
    name: spec.name,
    dir,
    r1csPath: join(dir, `${spec.name}.r1cs`),
    wasmPath: join(dir, `${spec.name}_js`, `${spec.name}.wasm`),
    symPath: join(dir, `${spec.name}.sym`),
    sourceHash,
  }
  const stampPath = join(dir, 'source.sha256')
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === sourceHash) return result

  onLog(`compiling ${spec.name} with circom2 (source ${sourceHash.slice(0, 12)})`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  writeFileSync(join(tmp, `${spec.name}.circom`), main)
  try {
    await run(process.execPath, [
      require.resolve('circom2/cli.js'),
      relative(PACKAGE_ROOT, join(tmp, `${spec.name}.circom`)),
      '--r1cs', '--wasm', '--sym', '--O2',
      '-l', 'node_modules',
      '-o', relative(PACKAGE_ROOT, tmp),
    ], { maxBuffer: 64 << 20, cwd: PACKAGE_ROOT }) // circom2 (WASI) sees only the working directory and its parents
  } catch (error: any) {
    rmSync(tmp, { recursive: true, force: true })
    throw new CircuitCompileError({ name: spec.name, output: `${error.stdout ?? ''}${error.stderr ?? ''}${error.message}` })
  }
  // The generated witness calculator is CommonJS inside our ESM package.
  writeFileSync(join(tmp, `${spec.name}_js`, 'package.json'), '{"type":"commonjs"}\n')
  writeFileSync(join(tmp, 'source.sha256'), sourceHash)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dirname(dir), { recursive: true })
  renameSync(tmp, dir)
  return result
}
