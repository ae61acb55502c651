import type { ChainTarget } from '../chain/connectChain.ts'

/**
 * What every workflow of prover/app receives: where the home and build folders are. Nothing in
 * prover/app reads the environment; the CLI edge (or any other caller) resolves both folders.
 */
export type AppFolders = {
  /** poa home: datanets, models, indexes, the embedded chain, queries (see prover/layout's homeLayout). */
  home: string
  /** Build folder: compiled circuits, dev keys, dev ptau (default `<package>/build`). */
  buildDir?: string
}

/** One progress report of a long step. */
export type Progress = { done: number; total: number; unit: string }

/** Reporting options of long workflows: status lines and per-step progress (the CLI renders both). */
export type AppReporting = {
  /** Status lines (stderr in the CLI). */
  log?: (line: string) => void
  /** A progress callback for the step named `label` (the CLI draws one line per label). */
  onProgress?: (label: string) => (progress: Progress) => void
  signal?: AbortSignal
}

/** A workflow that touches a chain: which one (none of these: the embedded chain in `<home>/chain`). */
export type AppChain = { chain?: ChainTarget }

export const noLog = (): void => {}
export const noProgress = (): ((progress: Progress) => void) => () => {}
