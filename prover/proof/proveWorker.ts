import { parentPort } from 'node:worker_threads'
import * as snarkjs from 'snarkjs'
import { releaseCurve } from './curve.ts'

/**
 * Worker-thread entry of `proveAttribution`: witness (circom wasm) then Groth16 proof (snarkjs),
 * posting a progress message after each stage so the main thread can render it. Plain messages
 * only: { wasmPath, zkeyPath, input } in; progress, result or error out. The curve is released
 * before the result is posted, so the thread exits cleanly.
 */
export type ProveRequest = { wasmPath: string; zkeyPath: string; input: Record<string, unknown> }
export type ProveMessage =
  | { type: 'progress'; stage: 'witness' | 'prove'; done: number; total: number }
  | { type: 'result'; proof: any; publicSignals: string[] }
  | { type: 'error'; stage: 'witness' | 'prove'; message: string }

const port = parentPort
if (!port) throw new Error('proveWorker.ts must run in a worker thread')

port.once('message', async ({ wasmPath, zkeyPath, input }: ProveRequest) => {
  const post = (m: ProveMessage) => port.postMessage(m)
  let stage: 'witness' | 'prove' = 'witness'
  try {
    const wtns: any = { type: 'mem' }
    await snarkjs.wtns.calculate(input, wasmPath, wtns)
    post({ type: 'progress', stage, done: 1, total: 2 })
    stage = 'prove'
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkeyPath, wtns)
    await releaseCurve()
    post({ type: 'progress', stage, done: 2, total: 2 })
    post({ type: 'result', proof, publicSignals })
  } catch (error) {
    await releaseCurve()
    post({ type: 'error', stage, message: error instanceof Error ? error.message : String(error) })
  }
})
