import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { JobRegistry } from './jobRegistry.ts'
import type { ServerChain } from './serverChain.ts'

/** What every route of the dashboard shares. */
export type DashboardContext = {
  home: string
  buildDir?: string
  chain: ServerChain
  jobs: JobRegistry
  /** The circuit set whose dev keys prove inferences (its k fixes the models' feature count). */
  circuitSet: CircuitSetName
  /** Largest Datanet upload, in bytes (HTTP 413 above it). */
  maxUploadBytes: number
  /** Scoring worker threads per inference. */
  workers: number
  log: (line: string) => void
}
