// The compiled CLI and library in dist/: `node cli/build.js` (npm run build, and `prepare`, so
// `npm ci` leaves a working dist/) and the freshness check cli/bin.js and the test setup run before
// trusting dist/. Plain JavaScript with no dependencies, so it runs before anything is compiled.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root (this file is cli/build.js). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Folders compiled into dist/ (tsconfig.build.json's `include`). */
export const SOURCE_DIRS = ['prover', 'cli', 'ceremony', 'types']
/** Written after a successful build, with the build's start as its mtime. */
export const STAMP = join(ROOT, 'dist', '.built')

/** Newest mtime (ms) of the TypeScript sources and the build's own configuration. */
function newestSource(dir, newest = 0) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = newestSource(path, newest)
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Whether dist/ was built from the sources as they are: its stamp is at least as new as every
 * source file and tsconfig. One stat per source file (about 250, a few ms), so the CLI can afford it
 * at every start.
 */
export function distIsFresh(root = ROOT) {
  let built
  try {
    built = statSync(join(root, 'dist', '.built')).mtimeMs
  } catch {
    return false
  }
  let newest = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'tsconfig.build.json')).mtimeMs)
  for (const dir of SOURCE_DIRS) newest = newestSource(join(root, dir), newest)
  return newest <= built
}

/** tsc's exit status when it reported type errors but still wrote every output. */
export const EMITTED_WITH_ERRORS = 2

/**
 * Compile the sources into dist/ with tsc (tsconfig.build.json, incremental). Returns tsc's exit
 * status. The stamp is written whenever tsc wrote its outputs (0, or EMITTED_WITH_ERRORS: the
 * JavaScript then matches the sources even though the types do not check), dated from the build's
 * start so that a source saved while tsc ran still counts as newer.
 */
export function build({ quiet = false } = {}) {
  const started = new Date()
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' })
  if (run.status !== 0 && quiet) process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`)
  if (run.status !== 0 && run.status !== EMITTED_WITH_ERRORS) return run.status ?? 1
  writeFileSync(STAMP, `${started.toISOString()}\n`)
  utimesSync(STAMP, started, started)
  return run.status
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = build()
