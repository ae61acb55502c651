import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PoaError } from '../errors/index.ts'

/** No package.json above a poa module: its files were copied out of the package they belong to. */
export class PackageRootNotFoundError extends PoaError {
  constructor({ start }: { start: string }) {
    super('PACKAGE_ROOT_NOT_FOUND', 'INTERNAL', `no package.json in ${start} or any folder above it: poa's modules were moved out of their package`, { meta: { start } })
  }
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new PackageRootNotFoundError({ start })
  }
}

/**
 * The poa package root: the folder holding package.json, circuits/, contracts/ and native/. Found
 * by walking up from this module rather than by a fixed `../..`, because the same module runs from
 * its source (prover/layout/) and compiled (dist/prover/layout/), one level deeper. The one
 * definition every module uses (it was three).
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** An absolute path inside the package (for sources that ship with poa: circuits, contracts, native code). */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments)
}
