import type { PoaChain } from '../chain/connectChain.ts'
import type { PrescoringPool } from '../influence/index.ts'
import type { JobQueue } from './jobQueue.ts'
import { recordedQuery } from './proveRecordedInference.ts'
import type { ServedModels } from './servedModels.ts'
import { inferenceStatus } from './submitSettlement.ts'

export type PrescorePendingParameters = {
  home: string
  chain: PoaChain
  settlement: string
  queue: JobQueue
  served: ServedModels
  pool: PrescoringPool
  /** K: the circuit's candidate slots, the topK every job scores with. */
  topK: number
  /** Most jobs per model scored ahead in one round (the first ones the queue will work on). */
  maxJobs: number
  retry: <T>(work: () => Promise<T>) => Promise<T>
  signal?: AbortSignal
}

/**
 * Score ahead, one `scoreBatch` pass per model, the queries of the pending jobs that wait for the
 * same model (two or more), so that each job's own scoring (`attributeInference` -> `pool.score`)
 * takes its result instead of reading the whole index again. Jobs whose query cannot be recomputed
 * yet (text not saved, wrong commitment) are skipped: their own turn reports why. Returns how many
 * queries were scored ahead and in how many passes.
 */
export async function prescorePending(p: PrescorePendingParameters): Promise<{ queries: number; passes: number }> {
  p.pool.clear()
  const byModel = new Map<string, string[]>()
  for (const job of p.queue.pending()) {
    const ids = byModel.get(job.modelId.toString()) ?? []
    if (ids.length < p.maxJobs) byModel.set(job.modelId.toString(), [...ids, job.inferenceId])
  }
  let queries = 0
  let passes = 0
  for (const [modelId, ids] of byModel) {
    const served = p.served.byId.get(modelId)
    if (!served || ids.length < 2) continue
    const features: bigint[][] = []
    for (const id of ids) {
      p.signal?.throwIfAborted()
      const inf = await p.retry(() => inferenceStatus(p.chain, p.settlement, id))
      const q = await recordedQuery({ home: p.home, inferenceId: id, served, commitment: inf.queryCommitment })
      if (!('kind' in q)) features.push(q.features)
    }
    if (features.length < 2) continue
    passes += await p.pool.prescore({ features: served.index.features, k: served.index.manifest.k, queries: features, topK: p.topK, signal: p.signal })
    queries += features.length
  }
  return { queries, passes }
}
