/**
 * Wait `ms` between two rounds of the node's loop, or less when `signal` aborts (the node stops).
 * The abort listener goes with its timer: one left behind per poll grew without bound in a node
 * that runs for days (Node warned after 10).
 */
export function pollDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = () => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
