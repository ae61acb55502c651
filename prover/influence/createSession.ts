import { existsSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { PoaError } from '../errors/index.ts'

/**
 * Open an onnxruntime-node session with an explicit execution provider.
 * - 'cpu': CPU only.
 * - 'cuda': ask for CUDA; onnxruntime-node throws (instead of falling back) when its CUDA provider
 *   libraries are missing, so we catch that, log a notice and retry on CPU.
 * - 'auto' (default): 'cuda' when an NVIDIA device node exists (/dev/nvidia0), else 'cpu'.
 * The provider that actually ran is returned so callers can report it with their results.
 */
export type ProviderRequest = 'auto' | 'cuda' | 'cpu'
export type ProviderName = 'cuda' | 'cpu'

export type CreateSessionParameters = {
  bytes: Uint8Array
  provider?: ProviderRequest
  /** Threads per session (default: onnxruntime's choice). One per worker in a pool. */
  intraOpThreads?: number
  /** Where the fallback notice goes (default: stderr). */
  onNotice?: (message: string) => void
  /**
   * false: when CUDA was asked for and cannot open, throw CudaUnavailableError (with the reason)
   * instead of opening a CPU session; for callers that would rather use another CPU path. Default true.
   */
  cpuFallback?: boolean
}

export type CreateSessionReturnType = {
  session: ort.InferenceSession
  provider: ProviderName
  /** Why CUDA was not used, when it was asked for. */
  fallbackReason?: string
}

/** Whether a request means CUDA: 'cuda', or 'auto' on a machine with an NVIDIA device node. */
export function cudaRequested(provider: ProviderRequest): boolean {
  return provider === 'cuda' || (provider === 'auto' && existsSync('/dev/nvidia0'))
}

export class CudaUnavailableError extends PoaError {
  constructor({ reason }: { reason: string }) {
    super('CUDA_UNAVAILABLE', 'USAGE', `onnxruntime's CUDA execution provider is unavailable: ${reason}`, { meta: { reason } })
  }
}

export async function createSession({ bytes, provider = 'auto', intraOpThreads, onNotice, cpuFallback = true }: CreateSessionParameters): Promise<CreateSessionReturnType> {
  const notice = onNotice ?? ((m: string) => process.stderr.write(`${m}\n`))
  const wantCuda = cudaRequested(provider)
  const base: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' }
  if (intraOpThreads) base.intraOpNumThreads = intraOpThreads
  if (wantCuda) {
    try {
      // Fatal-only logging for this try: a missing CUDA library is reported once, by the notice below.
      const session = await ort.InferenceSession.create(bytes, { ...base, logSeverityLevel: 4, executionProviders: ['cuda'] })
      return { session, provider: 'cuda' }
    } catch (error) {
      const fallbackReason = (error instanceof Error ? error.message : String(error)).split('\n')[0]
      if (!cpuFallback) throw new CudaUnavailableError({ reason: fallbackReason })
      notice(`onnxruntime: CUDA execution provider unavailable (${fallbackReason}); falling back to CPU`)
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] })
      return { session, provider: 'cpu', fallbackReason }
    }
  }
  const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] })
  return { session, provider: 'cpu' }
}
