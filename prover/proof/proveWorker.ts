import type { MessagePort } from 'node:worker_threads'
import * as snarkjs from 'snarkjs'
import { releaseCurve } from './curve.ts'

/**
 * Piscina worker of `proveAttribution`: witness (circom wasm) then Groth16 proof (snarkjs), posting
 * a progress message on `progress` after each stage so the main thread can render it. Plain data
 * only: { wasmPath, zkeyPath, input } in, a result or an error naming its stage out (an error is
 * returned, not thrown, so the stage survives the trip back). The curve, whose threads would keep
 * the pool's thread busy, is released before returning.
 */
export type ProveRequest = { wasmPath: string; zkeyPath: string; input: Record<string, unknown> }
/**
 * With `wtnsPath`, the worker only writes the witness there (for the native prover) and returns
 * `witness`; with `witnessFrom`, it proves from that .wtns (the native witness generator's) instead
 * of computing the witness.
 */
export type ProveTask = ProveRequest & { progress: MessagePort; wtnsPath?: string; witnessFrom?: string }
export type ProveProgressMessage = { stage: 'witness' | 'prove'; done: number; total: number }
export type ProveOutcome =
  | { type: 'result'; proof: any; publicSignals: string[] }
  | { type: 'witness'; wtnsPath: string }
  | { type: 'error'; stage: 'witness' | 'prove'; message: string }

export default async function prove({ wasmPath, zkeyPath, input, progress, wtnsPath, witnessFrom }: ProveTask): Promise<ProveOutcome> {
  const post = (m: ProveProgressMessage) => progress.postMessage(m)
  let stage: 'witness' | 'prove' = 'witness'
  try {
    const wtns: any = witnessFrom ?? (wtnsPath ? { type: 'file', fileName: wtnsPath } : { type: 'mem' })
    if (!witnessFrom) await snarkjs.wtns.calculate(input, wasmPath, wtns)
    post({ stage, done: 1, total: 2 })
    if (wtnsPath) {
      await releaseCurve()
      return { type: 'witness', wtnsPath }
    }
    stage = 'prove'
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkeyPath, wtns)
    await releaseCurve()
    post({ stage, done: 2, total: 2 })
    return { type: 'result', proof, publicSignals }
  } catch (error) {
    await releaseCurve()
    return { type: 'error', stage, message: error instanceof Error ? error.message : String(error) }
  } finally {
    progress.close()
  }
}
