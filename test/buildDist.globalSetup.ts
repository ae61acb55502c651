import { build, distIsFresh, EMITTED_WITH_ERRORS } from '../cli/build.js'

/**
 * Once per test run, before any test file: make dist/ match the sources, so every spawned `poa`
 * (cli/bin.js) starts the compiled CLI instead of transpiling through tsx at each start. npm ci's
 * `prepare` has usually built it already; after an edit this rebuilds incrementally (about 5 s).
 */
export default function setup(): void {
  if (distIsFresh()) return
  const started = Date.now()
  const status = build({ quiet: true })
  // Type errors elsewhere must not stop a test run (npm run typecheck reports them); dist/ was
  // still written. Any other failure leaves dist/ stale, and cli/bin.js then runs the sources.
  if (status === EMITTED_WITH_ERRORS) console.warn('dist/ built with type errors (npm run typecheck lists them)')
  else if (status !== 0) console.warn(`npm run build failed (tsc exit status ${status}): spawned CLIs run the sources through tsx`)
  else console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
