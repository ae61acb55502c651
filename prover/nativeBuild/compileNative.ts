import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { arch, cpus } from 'node:os'
import { join } from 'node:path'
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
  /** Files of sourceDir the binary is keyed by, the one compiled first. */
  sources: readonly string[]
  /** Headers generated at build time (file name -> text): written to a folder of their own on the include path, and keyed. */
  generated?: Readonly<Record<string, string>>
  binDir: string
  cc: string
  /** Compiler flags before `-o` (the libraries after the source go in `libraries`). */
  flags: readonly string[]
  libraries?: readonly string[]
  /** Default none; `.node` for a Node-API addon (require() loads only *.node files as addons). */
  suffix?: string
}

/**
 * Compile a native program of the package once per source, compiler, flags and CPU: the binary is
 * cached under `binDir` by a hash of all of them, built into a private temporary name and renamed
 * into place (concurrent builds give the same file, so no lock is needed). `{ reason }` instead
 * when the source is missing or the compiler fails, so the caller can fall back and say why.
 */
export async function compileNative(p: CompileNativeParameters): Promise<{ binary: string; reason?: undefined } | { binary?: undefined; reason: string }> {
  const source = join(p.sourceDir, p.sources[0])
  if (!existsSync(source)) return { reason: `${source} is missing` }
  const hash = createHash('sha256')
  for (const name of p.sources) hash.update(readFileSync(join(p.sourceDir, name)))
  for (const [name, text] of Object.entries(p.generated ?? {})) hash.update(name).update(text)
  hash.update(`${p.cc} ${p.flags.join(' ')} ${(p.libraries ?? []).join(' ')} ${cpuKey()}`)
  const suffix = p.suffix ?? ''
  const binary = join(p.binDir, `${p.name}-${hash.digest('hex').slice(0, 16)}${suffix}`)
  if (existsSync(binary)) return { binary }
  mkdirSync(p.binDir, { recursive: true })
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`
  const tmp = `${binary}.tmp-${unique}${suffix}`
  const include = p.generated ? `${binary}.include-${unique}` : undefined
  try {
    if (include) {
      mkdirSync(include, { recursive: true })
      for (const [name, text] of Object.entries(p.generated!)) writeFileSync(join(include, name), text)
    }
    await run(p.cc, [...p.flags, ...(include ? ['-I', include] : []), '-o', tmp, source, ...(p.libraries ?? [])], { cwd: p.sourceDir })
    renameSync(tmp, binary)
  } catch (error) {
    rmSync(tmp, { force: true })
    return { reason: `cannot compile ${source} with ${p.cc} (${(error as Error).message.split('\n')[0]})` }
  } finally {
    if (include) rmSync(include, { recursive: true, force: true })
  }
  return { binary }
}
