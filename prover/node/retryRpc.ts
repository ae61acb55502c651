import { ChainRequestError } from '../chain/chainErrors.ts'

/**
 * Retry a chain read or broadcast when the RPC failed (a ChainRequestError: connection refused,
 * timeout, 5xx), with exponential backoff: baseMs, 2 baseMs, 4 baseMs... A revert is an answer, not
 * a failure, and is thrown at once.
 */
export type RetryOptions = { attempts?: number; baseMs?: number; signal?: AbortSignal; onRetry?: (error: ChainRequestError, attempt: number, delayMs: number) => void }

export async function withRetry<T>(work: () => Promise<T>, { attempts = 5, baseMs = 250, signal, onRetry }: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (!(error instanceof ChainRequestError) || attempt >= attempts || signal?.aborted) throw error
      const delayMs = baseMs * 2 ** (attempt - 1)
      onRetry?.(error, attempt, delayMs)
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
}
