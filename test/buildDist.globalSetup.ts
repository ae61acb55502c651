import { build, distIsFresh } from '../cli/build.js'

/**
 * Once per test run, before any test file: make dist/ match the sources, so every spawned `poa`
 * (cli/bin.js) starts the compiled CLI instead of transpiling through tsx at each start. npm ci's
 * `prepare` has usually built it already; after an edit this rebuilds incrementally (about 5 s).
 */
export default function setup(): void {
  if (distIsFresh()) return
  const started = Date.now()
  const status = build({ quiet: true })
  if (status !== 0) throw new Error(`npm run build failed (tsc exit status ${status}): the spawned CLI tests need dist/`)
  console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
