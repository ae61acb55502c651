import { describe, expect, it } from 'vitest'
import { snarkjsLogger } from '../ceremony/progress.ts'
import { CeremonyAbortedError } from '../ceremony/errors.ts'

// snarkjs calls logger.debug/info/warn/error and, in powersOfTau.newAccumulator for 2^17 points
// and up, logger.log: a logger without one crashed the 2^18 setup after its first 100,000 points.
describe('snarkjs logger adapter', () => {
  it('has every method snarkjs calls and forwards log lines', () => {
    const lines: string[] = []
    const { logger } = snarkjsLogger('init', { log: (l) => lines.push(l) })
    for (const method of ['debug', 'info', 'log', 'warn', 'error'] as const) expect(typeof logger[method]).toBe('function')
    logger.log('tauG1: 100000')
    expect(lines).toEqual(['tauG1: 100000'])
  })

  it('aborts at a log line once the signal is raised', () => {
    const abort = new AbortController()
    const { logger } = snarkjsLogger('init', { signal: abort.signal })
    logger.log('tauG1: 100000')
    abort.abort()
    expect(() => logger.log('tauG1: 200000')).toThrow(CeremonyAbortedError)
  })
})
