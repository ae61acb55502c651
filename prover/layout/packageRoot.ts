import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package root: the folder holding package.json, circuits/, contracts/, native/ and
 * hardhat.config.cjs. This file is prover/layout/packageRoot.ts (or its compiled twin at the same
 * depth), so the root is two levels up. The one definition every module uses (it was three).
 */
export const PACKAGE_ROOT: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** An absolute path inside the package (for sources that ship with poa: circuits, contracts, native code). */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments)
}
