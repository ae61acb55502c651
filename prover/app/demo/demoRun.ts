import type { Progress } from '../appOptions.ts'

/** One transaction of the demo, as the report lists it. */
export type DemoTransaction = { step: string; txHash: string; gasUsed: string }

/**
 * What the demo's steps share: their log and progress callbacks, and the timings and transactions
 * they add to the report.
 */
export type DemoRun = {
  log: (line: string) => void
  progress: (label: string) => (p: Progress) => void
  timings: Record<string, number>
  transactions: DemoTransaction[]
  /** Run `work` and record its wall time under `timings[name]` (seconds, ms precision). */
  timed<T>(name: string, work: () => Promise<T>): Promise<T>
  /** Record a transaction of `step`. */
  tx(step: string, r: { txHash: string; gasUsed: bigint }): void
}

export function createDemoRun(log: DemoRun['log'], progress: DemoRun['progress']): DemoRun {
  const timings: Record<string, number> = {}
  const transactions: DemoTransaction[] = []
  return {
    log, progress, timings, transactions,
    async timed(name, work) {
      const started = performance.now()
      try {
        return await work()
      } finally {
        timings[name] = Math.round(performance.now() - started) / 1000
      }
    },
    tx: (step, r) => void transactions.push({ step, txHash: r.txHash, gasUsed: r.gasUsed.toString() }),
  }
}
