import { randomBytes } from 'node:crypto'
import { jsonSafe } from '../errors/index.ts'
import type { Progress } from '../app/appOptions.ts'
import type { TrainingEpoch } from '../influence/index.ts'
import { JobNotFoundError, errorBody } from './serveErrors.ts'

/**
 * Long work the dashboard starts (commit a root, train, register, prove and settle) runs as a job:
 * the request returns its id at once, the page polls `GET /api/jobs/:id` for its steps, progress
 * and training epochs. Jobs run one at a time, in the order they were asked for: they share the
 * node's signing account (one nonce sequence) and the machine's cores.
 */
export type JobState = 'queued' | 'running' | 'done' | 'failed'

/** One step of a job's timeline (for an inference: recorded, attributed, proved, settled, credited). */
export type JobStep = { step: string; at: string; detail?: Record<string, unknown> }

export type JobSnapshot = {
  id: string
  kind: string
  title: string
  state: JobState
  createdAt: string
  finishedAt?: string
  steps: JobStep[]
  /** Training figures, one per epoch. */
  epochs: TrainingEpoch[]
  /** The latest progress of each labelled stage. */
  progress: Record<string, Progress>
  log: string[]
  result?: unknown
  error?: { code: string; message: string; meta: Record<string, unknown> }
}

/** What a job's work receives to report through. */
export type JobContext = {
  step(step: string, detail?: Record<string, unknown>): void
  epoch(e: TrainingEpoch): void
  onProgress(label: string): (p: Progress) => void
  log(line: string): void
}

export type JobRegistry = {
  /** Queue `work`; returns its snapshot at once (state queued or running). */
  start(kind: string, title: string, work: (ctx: JobContext) => Promise<unknown>): JobSnapshot
  /** A job's snapshot, JSON-safe; JobNotFoundError for an unknown id. */
  get(id: string): JobSnapshot
  list(): JobSnapshot[]
  /** Resolves once every queued job has finished. */
  idle(): Promise<void>
}

/** Most log lines kept per job: the tail is what a page shows. */
const LOG_LINES_KEPT = 200

/** A registry that runs its jobs one after another (see the module comment). */
export function createJobRegistry(): JobRegistry {
  const jobs = new Map<string, JobSnapshot>()
  let queue: Promise<void> = Promise.resolve()
  const now = () => new Date().toISOString()
  return {
    start(kind, title, work) {
      const job: JobSnapshot = { id: randomBytes(6).toString('hex'), kind, title, state: 'queued', createdAt: now(), steps: [], epochs: [], progress: {}, log: [] }
      jobs.set(job.id, job)
      const ctx: JobContext = {
        step: (step, detail) => void job.steps.push({ step, at: now(), ...(detail ? { detail: jsonSafe(detail) as Record<string, unknown> } : {}) }),
        epoch: (e) => void job.epochs.push(e),
        onProgress: (label) => (p) => void (job.progress[label] = { ...p }),
        log: (line) => {
          job.log.push(line)
          if (job.log.length > LOG_LINES_KEPT) job.log.shift()
        },
      }
      queue = queue.then(async () => {
        job.state = 'running'
        try {
          job.result = jsonSafe(await work(ctx))
          job.state = 'done'
        } catch (error) {
          job.error = errorBody(error)
          job.state = 'failed'
        } finally {
          job.finishedAt = now()
        }
      })
      return job
    },
    get(id) {
      const job = jobs.get(id)
      if (!job) throw new JobNotFoundError({ jobId: id })
      return job
    },
    list: () => [...jobs.values()].reverse(),
    idle: () => queue,
  }
}
