#!/usr/bin/env node
// The `poa` command. It runs the compiled CLI in dist/ (npm run build; npm ci builds it) when dist/ is
// at least as new as every source, else the TypeScript sources through tsx, so an edited source is
// never answered by stale JavaScript (only by a slower start: tsx transpiles at every run).
import { distIsFresh } from './build.js'

if (distIsFresh()) {
  await import('../dist/cli/main.js')
} else {
  if (process.stderr.isTTY) process.stderr.write('poa: dist/ is older than the sources, running them through tsx (npm run build to compile)\n')
  const { register } = await import('tsx/esm/api')
  register()
  await import('./main.ts')
}
