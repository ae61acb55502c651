import { cudaRequested, type ProviderRequest } from './createSession.ts'
import { createOnnxScoringPool } from './onnxScoring.ts'
import { createScoringPool, type CreateScoringPoolParameters, type ScoringPool } from './scoringPool.ts'

/**
 * Which backend scores an index against queries:
 * - 'native': the worker pool (native SIMD kernel, else JS), on the CPU;
 * - 'onnx': onnxruntime on `provider` (CUDA falls back to onnxruntime's CPU provider, reported);
 * - 'auto' (default): onnxruntime when `provider` means CUDA ('cuda', or 'auto' with /dev/nvidia0)
 *   and the CUDA provider opens; otherwise the native pool, with the reason in each result's
 *   `kernel.onnxFallback` when CUDA was tried. On a CPU the native kernel is the faster exact path
 *   (bench/scoringKernel.bench.ts), so onnxruntime's CPU provider is only used when asked for.
 * All give the same top-K and scores (exact integers; test/onnxScoring.test.ts).
 */
export type ScoringBackendRequest = 'auto' | 'native' | 'onnx'

export const SCORING_BACKENDS: readonly ScoringBackendRequest[] = ['auto', 'native', 'onnx']

export type CreateScoringBackendParameters = CreateScoringPoolParameters & {
  scoring?: ScoringBackendRequest
  provider?: ProviderRequest
  onNotice?: (message: string) => void
}

export function createScoringBackend({ scoring = 'auto', provider = 'auto', onNotice, ...pool }: CreateScoringBackendParameters = {}): ScoringPool {
  const native = createScoringPool(pool)
  if (scoring === 'native' || (scoring === 'auto' && !cudaRequested(provider))) return native
  return createOnnxScoringPool({ provider, requireCuda: scoring === 'auto', fallback: native, onNotice })
}
