import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { PoaError } from '../../errors/index.ts'
import { buildLayout } from '../../layout/index.ts'
import type { NoirCircuit } from '../proofSystem.ts'

const require = createRequire(import.meta.url)

/** noir_wasm refused the program (a type error, a failed `assert` in comptime code, a git dependency it cannot fetch offline). */
export class NoirCompileError extends PoaError {
  constructor({ name, projectDir, output }: { name: string; projectDir: string; output: string }) {
    super('NOIR_COMPILE_FAILED', 'INTERNAL', `noir_wasm failed to compile ${name} (${projectDir}): ${output.trim().split('\n').slice(0, 6).join(' | ')}`, {
      meta: { name, projectDir },
    })
  }
}

/** What noir_wasm writes for a program (nargo's target/<name>.json): gzipped ACIR, base64, and the ABI noir_js reads. */
export type NoirProgram = {
  noir_version: string
  hash?: unknown
  abi: { parameters: { name: string; type: unknown; visibility: 'public' | 'private' | 'databus' }[]; return_type: unknown; error_types?: unknown }
  bytecode: string
  [key: string]: unknown
}

export type CompileNoirProgramParameters = {
  /** Artefact name, for example `honk_fixture`; the program goes to `<build>/circuits/<name>/<name>.json`. */
  name: string
  /** A Nargo project: Nargo.toml and src/main.nr (local dependencies only: there is no network to fetch git ones). */
  projectDir: string
  /** Build folder (default `<package>/build`). */
  buildDir?: string
  onLog?: (line: string) => void
}

export type CompiledNoirProgram = NoirCircuit & {
  /** Folder of the program and of keys made for it. */
  dir: string
  program: NoirProgram
  /** sha256 over the project's files and the compiler's version: the cache key. */
  sourceHash: string
}

function projectFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'target' && !e.name.startsWith('.'))
    .flatMap((e) => (e.isDirectory() ? projectFiles(join(dir, e.name), root) : [relative(root, join(dir, e.name))]))
    .sort()
}

/** sha256 over every file of the project (path and text, sorted by path) and noir_wasm's package.json. */
export function noirSourceHash(projectDir: string): string {
  const hash = createHash('sha256')
  for (const file of projectFiles(projectDir)) hash.update(file).update('\0').update(readFileSync(join(projectDir, file))).update('\0')
  // noir_wasm's exports hide its package.json; its node entry is dist/node/main.js.
  hash.update(readFileSync(join(dirname(require.resolve('@noir-lang/noir_wasm')), '..', '..', 'package.json')))
  return hash.digest('hex')
}

/** Read a compiled program (noir_wasm's JSON), checking the fields the prover needs. */
export function readNoirProgram(programPath: string): NoirProgram {
  const program = JSON.parse(readFileSync(programPath, 'utf8')) as NoirProgram
  if (typeof program?.bytecode !== 'string' || !Array.isArray(program.abi?.parameters)) {
    throw new NoirCompileError({ name: programPath, projectDir: dirname(programPath), output: 'not a compiled Noir program (no bytecode or abi.parameters)' })
  }
  return program
}

/**
 * Compile a Nargo project with noir_wasm (the compiler as WebAssembly; there is no nargo here) into
 * `<buildDir>/circuits/<name>/<name>.json`, skipping the work when a build of the same sources is
 * there. The build is made in a temporary folder and renamed into place, so an interrupted compile
 * never looks finished; keys set up for an older program go with its folder.
 */
export async function compileNoirProgram({ name, projectDir, buildDir, onLog = () => {} }: CompileNoirProgramParameters): Promise<CompiledNoirProgram> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new NoirCompileError({ name, projectDir, output: 'the name must match [A-Za-z0-9_]+ (it names files and a Solidity contract)' })
  const project = resolve(projectDir)
  if (!existsSync(join(project, 'Nargo.toml'))) throw new NoirCompileError({ name, projectDir, output: 'no Nargo.toml in the project folder' })
  const dir = buildLayout(buildDir).circuitDir(name)
  const programPath = join(dir, `${name}.json`)
  const stampPath = join(dir, 'source.sha256')
  const sourceHash = noirSourceHash(project)
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === sourceHash && existsSync(programPath)) {
    return { name, programPath, dir, program: readNoirProgram(programPath), sourceHash }
  }
  onLog(`compiling ${name} with noir_wasm (source ${sourceHash.slice(0, 12)})`)
  const { compile, createFileManager } = await import('@noir-lang/noir_wasm')
  const logged: string[] = []
  let program: NoirProgram
  // noir_wasm prints "Compiling at <path>" with console.log whatever logger it is given, which
  // would corrupt a CLI's JSON on stdout: for the compile, that one line goes to onLog instead.
  const consoleLog = console.log
  console.log = (...args: unknown[]) => (typeof args[0] === 'string' && args[0].startsWith('Compiling at ') ? onLog(args[0]) : consoleLog(...args))
  try {
    const result = await compile(createFileManager(project), project, (line: string) => logged.push(line))
    program = (result as unknown as { program: NoirProgram }).program
  } catch (error) {
    throw new NoirCompileError({ name, projectDir, output: `${error instanceof Error ? error.message : String(error)}\n${logged.join('\n')}` })
  } finally {
    console.log = consoleLog
  }
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  writeFileSync(join(tmp, `${name}.json`), JSON.stringify(program))
  writeFileSync(join(tmp, 'source.sha256'), sourceHash)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dirname(dir), { recursive: true })
  renameSync(tmp, dir)
  return { name, programPath, dir, program, sourceHash }
}
