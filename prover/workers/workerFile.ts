import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PoaError } from '../errors/index.ts'

/** A worker module is missing next to the module that starts it (a partial build or a moved file). */
export class WorkerFileMissingError extends PoaError {
  constructor({ path }: { path: string }) {
    super('WORKER_FILE_MISSING', 'INTERNAL', `worker module ${path} does not exist: rebuild with npm run build, or run from the sources`, { meta: { path } })
  }
}

/**
 * The path of worker module `name` next to the module whose URL is `from` (its `import.meta.url`),
 * with that module's own extension: `.ts` when it runs from the sources (tsx, vitest), `.js` when it
 * runs compiled from dist/. So a compiled caller never starts a TypeScript worker, and the reverse.
 */
export function workerFile(from: string, name: string): string {
  const extension = /\.[cm]?ts$/.test(new URL(from).pathname) ? '.ts' : '.js'
  const path = fileURLToPath(new URL(`./${name}${extension}`, from))
  if (!existsSync(path)) throw new WorkerFileMissingError({ path })
  return path
}
