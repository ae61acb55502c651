import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { arch, cpus } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * What this machine's CPU is, for a binary's cache key: code built with -march=native may not run
 * on another CPU sharing the build folder.
 */
export function cpuKey(): string {
  let flags = ''
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? ''
  } catch {
    // Not Linux: the model name alone keys the binary.
  }
  return `${arch()} ${cpus()[0]?.model ?? ''} ${flags}`
}

export type CompileNativeParameters = {
  /** The binary's name before its key: `<binDir>/<name>-<key><suffix>`. */
  name: string
  sourceDir: string
  /** Files the binary is keyed by (relative to sourceDir, or absolute), the one compiled first. */
  sources: readonly string[]
  /** More files of `sources` compiled and linked with the first (C++ units); the others are only keyed (headers, data). */
  alsoCompiled?: readonly string[]
  /** Assembly files of `sources` (nasm), each assembled to an object linked with the rest. */
  assembled?: { assembler: string; flags: readonly string[]; files: readonly string[] }
  /** Headers generated at build time (file name -> text): written to a folder of their own on the include path, and keyed. */
  generated?: Readonly<Record<string, string>>
  binDir: string
  cc: string
  /** Compiler flags before `-o` (the libraries after the source go in `libraries`). */
  flags: readonly string[]
  libraries?: readonly string[]
  /** Default none; `.node` for a Node-API addon (require() loads only *.node files as addons). */
  suffix?: string
  /** Kills the assembler or compiler when aborted (a background build of a stopping node); the result is then `{ reason }`. */
  signal?: AbortSignal
}

/**
 * Compile a native program of the package once per source, compiler, flags and CPU: the binary is
 * cached under `binDir` by a hash of all of them, built into a private temporary name and renamed
 * into place (concurrent builds give the same file, so no lock is needed). `{ reason }` instead
 * when the source is missing or the compiler fails, so the caller can fall back and say why.
 */
export async function compileNative(p: CompileNativeParameters): Promise<{ binary: string; reason?: undefined } | { binary?: undefined; reason: string }> {
  const source = resolve(p.sourceDir, p.sources[0])
  const missing = p.sources.map((name) => resolve(p.sourceDir, name)).find((path) => !existsSync(path))
  if (missing) return { reason: `${missing} is missing` }
  const binary = nativeBinaryPath(p)
  if (existsSync(binary)) return { binary }
  const suffix = p.suffix ?? ''
  mkdirSync(p.binDir, { recursive: true })
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`
  const tmp = `${binary}.tmp-${unique}${suffix}`
  const include = p.generated ? `${binary}.include-${unique}` : undefined
  try {
    if (include) {
      mkdirSync(include, { recursive: true })
      for (const [name, text] of Object.entries(p.generated!)) writeFileSync(join(include, name), text)
    }
    const objects: string[] = []
    for (const file of p.assembled?.files ?? []) {
      const object = `${tmp}.${basename(file)}.o`
      objects.push(object)
      try {
        await run(p.assembled!.assembler, [...p.assembled!.flags, resolve(p.sourceDir, file), '-o', object], { cwd: p.sourceDir, signal: p.signal })
      } catch (error) {
        return { reason: `cannot assemble ${resolve(p.sourceDir, file)} with ${p.assembled!.assembler} (${firstError(error)})` }
      }
    }
    const compiled = (p.alsoCompiled ?? []).map((name) => resolve(p.sourceDir, name))
    try {
      await run(p.cc, [...p.flags, ...(include ? ['-I', include] : []), '-o', tmp, source, ...compiled, ...objects, ...(p.libraries ?? [])], { cwd: p.sourceDir, maxBuffer: 16 << 20, signal: p.signal })
    } catch (error) {
      return { reason: `cannot compile ${source} with ${p.cc} (${firstError(error)})` }
    }
    renameSync(tmp, binary)
  } finally {
    rmSync(tmp, { force: true })
    for (const file of p.assembled?.files ?? []) rmSync(`${tmp}.${basename(file)}.o`, { force: true })
    if (include) rmSync(include, { recursive: true, force: true })
  }
  return { binary }
}

/**
 * Where compileNative puts (or finds) the binary of these parameters: `<binDir>/<name>-<key><suffix>`,
 * the key hashing every source, generated header, the compiler and assembler with their flags, and
 * this CPU. A caller can test for it to use a binary only when it is already built.
 */
export function nativeBinaryPath(p: CompileNativeParameters): string {
  const hash = createHash('sha256')
  for (const name of p.sources) hash.update(readFileSync(resolve(p.sourceDir, name)))
  for (const [name, text] of Object.entries(p.generated ?? {})) hash.update(name).update(text)
  hash.update(`${p.cc} ${p.flags.join(' ')} ${(p.libraries ?? []).join(' ')} ${cpuKey()}`)
  // Only when set, so that the keys of binaries built before these options existed do not change.
  if (p.alsoCompiled?.length) hash.update(`\0compiled ${p.alsoCompiled.join(' ')}`)
  if (p.assembled) hash.update(`\0assembled ${p.assembled.assembler} ${p.assembled.flags.join(' ')} ${p.assembled.files.join(' ')}`)
  return join(p.binDir, `${p.name}-${hash.digest('hex').slice(0, 16)}${p.suffix ?? ''}`)
}

/** The compiler's first error line (`x.cpp:3:10: fatal error: gmp.h: No such file`), else the error's first line. */
function firstError(error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '')
  const line = /^.*\berror\b.*$/m.exec(stderr)?.[0]
  return (line ?? (error as Error).message.split('\n')[0]).trim()
}
