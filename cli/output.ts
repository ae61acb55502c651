import { PoaError, jsonSafe } from '../prover/errors/index.ts'

/** Exit status per error kind: the one table the CLI uses. */
export const EXIT_CODES = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  BAD_INPUT: 3,
  VERIFICATION_FAILED: 4,
  CHAIN: 5,
} as const

/** Global output options every command receives. */
export type OutputOptions = { json?: boolean; quiet?: boolean }

/**
 * Print a command's result: JSON on stdout under --json; under --quiet only the identifier the
 * command made (`id`: an inference id, a proposal id, a node URL), for `X=$(poa -q ...)` in shell
 * scripts, and nothing for commands that make none (like `docker -q`); else the human rendering.
 */
export function printResult(options: OutputOptions, result: unknown, human: () => string, id?: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify({ ok: true, result: jsonSafe(result) })}\n`)
  else if (options.quiet) { if (id) process.stdout.write(`${id()}\n`) }
  else process.stdout.write(`${human()}\n`)
}

/** Progress and prose go to stderr so that stdout stays machine-readable. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`)
}

/**
 * A progress reporter that redraws one line on a terminal and, in a log, prints a line at each
 * quarter and at least every 10 s while progress arrives, with the time left estimated from the
 * rate so far.
 */
export function progressLine(label: string): (p: { done: number; total: number; unit: string }) => void {
  let lastPct = -1
  const started = Date.now()
  let lastLine = started
  return ({ done, total, unit }) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100
    const now = Date.now()
    if (pct === lastPct && now - lastLine < 10_000) return
    lastPct = pct
    const elapsed = (now - started) / 1000
    const eta = done > 0 && done < total && elapsed >= 2 ? `, ~${Math.ceil((elapsed * (total - done)) / done)} s left` : ''
    const text = `${label}: ${done}/${total} ${unit} (${pct}%${eta})`
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}\x1b[K${done >= total ? '\n' : ''}`)
    } else if (pct % 25 === 0 || now - lastLine >= 10_000) {
      process.stderr.write(`${text}\n`)
      lastLine = now
    }
  }
}

/**
 * One of commander's own errors (unknown option, missing argument, bad choice...): commander has
 * already printed it on stderr unless --json, where it becomes `{ ok: false, error: { code: 'USAGE' } }`.
 */
export function reportUsageError(error: { code: string; message: string }, options: OutputOptions): number {
  if (options.json) {
    const body = { code: 'USAGE', message: error.message.replace(/^error: /, ''), meta: { reason: error.code } }
    process.stdout.write(`${JSON.stringify({ ok: false, error: body })}\n`)
  }
  return EXIT_CODES.USAGE
}

/** Map any thrown value to output and an exit status (the CLI edge is the only place that catches broadly). */
export function reportError(error: unknown, options: OutputOptions): number {
  const poa = error instanceof PoaError ? error : undefined
  const status = poa ? EXIT_CODES[poa.kind] : EXIT_CODES.INTERNAL
  const body = poa
    ? poa.toJSON()
    : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), meta: {} }
  if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, error: body })}\n`)
  else {
    process.stderr.write(`error [${body.code}]: ${body.message}\n`)
    if (!poa && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`)
  }
  return status
}
