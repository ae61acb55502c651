import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import type { ProgramCompilationArtifacts } from '@noir-lang/noir_wasm'
import { buildLayout, packagePath } from '../../layout/index.ts'
import type { AttributionParams } from '../circuitParams.ts'
import { NoirCompileError } from './errors.ts'
import { noirAttributionName, noirChallengeName, noirGeneratedSources, noirProgramName } from './noirParams.ts'
import { noirChallengeInputOf, noirInputOf } from './noirInput.ts'
import type { NoirCircuit as ProverNoirCircuit, Statement } from '../proofSystem.ts'
import type { AttributionCircuitInput } from '../../witness/buildAttributionWitness.ts'

const require = createRequire(import.meta.url)

/** noir_wasm's compiled program: nargo's target JSON (noir_version, hash, abi, bytecode, debug_symbols, file_map). */
export type NoirProgram = ProgramCompilationArtifacts['program']

/** A compiled Noir program: the prover's circuit for UltraHonk (proofSystem.ts `NoirCircuit`) with its program and cache key. */
export type NoirCircuit = ProverNoirCircuit & {
  /** Artifact name carrying the parameters, e.g. `noir_attribution_d8_k8_K3`. */
  name: string
  /** `<build>/noir/<name>/<name>.json`: the program as nargo writes it, plus `poa_source_hash`. */
  programPath: string
  program: NoirProgram
  /** sha256 over the project's files (generated ones included) and the compiler version: the cache key. */
  sourceHash: string
}

export type CompileNoirOptions = {
  /** Build folder (default `<package>/build`). */
  buildDir?: string
  /** Progress lines (a compile, its duration, compiler warnings). */
  log?: (line: string) => void
}

/** The modules both programs share (Poseidon, range, Merkle, features, candidate), compiled into each one's src/. */
const LIB_DIR = 'circuits/noir/lib'
/** Each statement's program: its Nargo.toml and the src/*.nr of its own (main.nr and modules no other program uses). */
const PROGRAM_DIRS: Readonly<Record<Statement, string>> = { attribution: 'circuits/noir/attribution', challenge: 'circuits/noir/challenge' }

/** The committed `.nr` files of a folder, by name, sorted. */
function sourcesOf(dir: string): [string, string][] {
  return readdirSync(dir).filter((f) => f.endsWith('.nr')).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')])
}

/**
 * The Noir project of a statement for `params`, as a file map: its Nargo.toml, its own src/*.nr,
 * the shared modules of circuits/noir/lib/ beside them in src/ (so both programs compile the same
 * Poseidon, Merkle paths and candidate check), and the generated params.nr and poseidon_widths.nr.
 * A name in two of these places is refused: one file would silently hide the other.
 */
export function noirProgramFiles(statement: Statement, params: AttributionParams): Map<string, string> {
  const root = packagePath(PROGRAM_DIRS[statement])
  const name = noirProgramName(statement, params)
  const files = new Map<string, string>([['Nargo.toml', readFileSync(join(root, 'Nargo.toml'), 'utf8')]])
  const add = (path: string, text: string, from: string) => {
    if (files.has(path)) throw new NoirCompileError({ name, cause: `${path} (from ${from}) is also in another source folder of the program` })
    files.set(path, text)
  }
  for (const [file, text] of sourcesOf(join(root, 'src'))) add(`src/${file}`, text, PROGRAM_DIRS[statement])
  for (const [file, text] of sourcesOf(packagePath(LIB_DIR))) add(`src/${file}`, text, LIB_DIR)
  for (const [path, text] of noirGeneratedSources(params)) add(path, text, 'prover/proof/noir/noirParams.ts')
  return files
}

/** The Noir attribution project for `params` (noirProgramFiles of 'attribution'). */
export function attributionFiles(params: AttributionParams): Map<string, string> {
  return noirProgramFiles('attribution', params)
}

/** The Noir challenge project for `params` (noirProgramFiles of 'challenge'). */
export function challengeFiles(params: AttributionParams): Map<string, string> {
  return noirProgramFiles('challenge', params)
}

function sourceHashOf(files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256')
  for (const [path, text] of files) hash.update(path).update('\0').update(text).update('\0')
  hash.update(compilerManifest())
  return hash.digest('hex')
}

/** noir_wasm's package.json (its version is the compiler's), found above its entry point: the package exports no `./package.json`. */
function compilerManifest(): string {
  let dir = dirname(require.resolve('@noir-lang/noir_wasm'))
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== '@noir-lang/noir_wasm') {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('@noir-lang/noir_wasm has no package.json above its entry point')
    dir = parent
  }
  return readFileSync(join(dir, 'package.json'), 'utf8')
}

function readCached(programPath: string, sourceHash: string): NoirProgram | undefined {
  if (!existsSync(programPath)) return undefined
  try {
    const stored = JSON.parse(readFileSync(programPath, 'utf8'))
    return stored.poa_source_hash === sourceHash ? (stored as NoirProgram) : undefined
  } catch {
    return undefined // a file from an older layout, or truncated by a crash outside our rename: recompile
  }
}

/**
 * Compile the Noir attribution circuit for `params` with noir_wasm into
 * `<buildDir>/noir/<name>/<name>.json` (`noir_attribution_d8_k8_K3` for tiny), skipping the work when
 * that file carries the current source hash.
 */
export async function compileNoirAttribution(params: AttributionParams, options: CompileNoirOptions = {}): Promise<NoirCircuit> {
  const circuit = await compileNoirProgram({ name: noirAttributionName(params), files: attributionFiles(params) }, options)
  // The prover takes the one witness builder's circom-style input and maps it to Noir's parameters.
  return { ...circuit, inputOf: (input) => noirInputOf(input as AttributionCircuitInput, params) }
}

/**
 * Compile the Noir challenge program for `params` (the fraud proof against a settlement of the
 * attribution program of the same parameters) into `<buildDir>/noir/<name>/<name>.json`
 * (`noir_challenge_d8_k8_K3` for tiny), cached like the attribution program. Its `inputOf` maps
 * buildChallengeInput's circom-style input to the program's parameters.
 */
export async function compileNoirChallenge(params: AttributionParams, options: CompileNoirOptions = {}): Promise<NoirCircuit> {
  const circuit = await compileNoirProgram({ name: noirChallengeName(params), files: challengeFiles(params) }, options)
  return { ...circuit, inputOf: (input) => noirChallengeInputOf(input, params) }
}

/** A Nargo project on disk (Nargo.toml and src/, local dependencies only) as a NoirProject named `name`. */
export function noirProjectFromDir(name: string, projectDir: string): NoirProject {
  if (!existsSync(join(projectDir, 'Nargo.toml'))) throw new NoirCompileError({ name, cause: `no Nargo.toml in ${projectDir}` })
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'target' && !e.name.startsWith('.'))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative(projectDir, join(dir, e.name))]))
  return { name, files: new Map(walk(projectDir).sort().map((path) => [path, readFileSync(join(projectDir, path), 'utf8')])) }
}

/** Read a compiled program (noir_wasm's JSON), checking the fields the prover needs. */
export function readNoirProgram(programPath: string): NoirProgram {
  const program = JSON.parse(readFileSync(programPath, 'utf8')) as NoirProgram
  if (typeof program?.bytecode !== 'string' || !Array.isArray(program.abi?.parameters)) {
    throw new NoirCompileError({ name: programPath, cause: 'not a compiled Noir program (no bytecode or abi.parameters)' })
  }
  return program
}

/** A Noir project held in memory: `Nargo.toml` and `src/*.nr`, by path relative to its root. */
export type NoirProject = { name: string; files: ReadonlyMap<string, string> }

/**
 * Compile a Noir project into `<buildDir>/noir/<name>/<name>.json`, cached by a hash of its files
 * and the compiler version. Each compile works in its own temporary project folder and renames its
 * JSON into place, so two processes compiling at once both finish with a whole file, and an
 * interrupted compile never looks finished.
 */
export function compileNoirProgram(project: NoirProject, options: CompileNoirOptions = {}): Promise<NoirCircuit> {
  const result = queue.then(() => compileNow(project, options))
  queue = result.catch(() => undefined)
  return result
}

/**
 * One compile at a time in a process: noir_wasm runs on the calling thread anyway, a production
 * compile holds 1.9 GB, and the console.log redirect in compileNow must not nest. A waiting call
 * then finds the program its predecessor compiled.
 */
let queue: Promise<unknown> = Promise.resolve()

async function compileNow({ name, files }: NoirProject, { buildDir, log = () => {} }: CompileNoirOptions): Promise<NoirCircuit> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new NoirCompileError({ name, cause: 'the name must match [A-Za-z0-9_]+ (it names files and a Solidity contract)' })
  const sourceHash = sourceHashOf(files)
  const dir = buildLayout(buildDir).noirCircuitDir(name)
  const programPath = join(dir, `${name}.json`)
  const cached = readCached(programPath, sourceHash)
  if (cached) return { name, programPath, program: cached, sourceHash }

  log(`compiling ${name} with noir_wasm (source ${sourceHash.slice(0, 12)})`)
  const started = Date.now()
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`
  const work = join(dir, `.work-${unique}`)
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(work, path)), { recursive: true })
      writeFileSync(join(work, path), text)
    }
    const { compile, createFileManager } = await import('@noir-lang/noir_wasm')
    let compiled: ProgramCompilationArtifacts
    // noir_wasm prints the files it reads through logFn, and "Compiling at <path>" with console.log
    // itself: route that line to `log` so that stdout stays the CLI's (--json prints there).
    const consoleLog = console.log
    console.log = (...args: unknown[]) => (typeof args[0] === 'string' && args[0].startsWith('Compiling at ') ? log(args.join(' ')) : consoleLog(...args))
    try {
      compiled = await compile(createFileManager(work), undefined, () => {}, () => {})
    } catch (error) {
      throw new NoirCompileError({ name, cause: error })
    } finally {
      console.log = consoleLog
    }
    for (const warning of compiled.warnings) log(`${name}: warning ${JSON.stringify(warning)}`)
    const program = compiled.program
    const tmp = join(dir, `.${name}.json.${unique}`)
    writeFileSync(tmp, JSON.stringify({ ...program, poa_source_hash: sourceHash }))
    renameSync(tmp, programPath)
    log(`compiled ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${relative(process.cwd(), programPath)}`)
    return { name, programPath, program, sourceHash }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
