import { spawn } from 'node:child_process'

export type RunNativeProcessParameters = {
  binary: string
  args: readonly string[]
  /** Kills the process (SIGKILL) when aborted, also when it already is; the caller reads the signal to tell an abort from a failure. */
  signal?: AbortSignal
  /** Each chunk of stderr as it arrives (the programs' progress lines). */
  onStderr?: (chunk: string) => void
  /** Keep only the last this many characters of each stream (default: all of it). */
  keepLast?: number
}

/** How a native program ended: its exit code (null when a signal killed it) and what it wrote. */
export type NativeProcessExit = { code: number | null; killedBy: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Run one of the package's native programs (the Groth16 prover, a witness generator, ptau prepare)
 * as a child process: collect its output, kill it on abort, and resolve when it closes, whatever
 * its exit; each caller maps the exit to its own errors. Rejects only with the spawn error when the
 * binary cannot be started.
 */
export function runNativeProcess({ binary, args, signal, onStderr, keepLast }: RunNativeProcessParameters): Promise<NativeProcessExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const kept = (text: string) => (keepLast === undefined ? text : text.slice(-keepLast))
    const onAbort = () => child.kill('SIGKILL')
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = kept(stdout + d)))
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = kept(stderr + d)
      onStderr?.(d)
    })
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(error)
    })
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort)
      resolve({ code, killedBy, stdout, stderr })
    })
  })
}
