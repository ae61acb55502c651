import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { pollDelay } from '../prover/node/pollDelay.ts'

describe('pollDelay (the node loop\'s wait between rounds)', () => {
  it('leaves no abort listener behind after its timer fires, however many rounds', async () => {
    const stop = new AbortController()
    for (let i = 0; i < 25; i++) await pollDelay(1, stop.signal)
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0)
  })

  it('ends at once when the node stops, and does not wait when it has stopped', async () => {
    const stop = new AbortController()
    const started = performance.now()
    const waiting = pollDelay(60_000, stop.signal)
    stop.abort()
    await waiting
    await pollDelay(60_000, stop.signal)
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
