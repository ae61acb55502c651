import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseUnits } from 'ethers'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const home = mkdtempSync(join(tmpdir(), 'poa-demo-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('poa demo', () => {
  it('runs the whole job with the default k = 128 features and pays exactly the proven split', async () => {
    const { stdout } = await run(process.execPath, ['cli/bin.js', '--json', '--home', home, 'demo', '--records', '64', '--fee', '10'], {
      maxBuffer: 64 << 20,
      timeout: 900_000,
    })
    const out = JSON.parse(stdout)
    expect(out.ok).toBe(true)
    const r = out.result
    expect(r.circuit.name).toBe('attribution_d8_k128_K2')
    expect(r.model.k).toBe(128)
    expect(r.datanet.records).toBe(64)
    expect(r.scoring.records).toBe(64)
    expect(r.query.prediction).toMatch(/^(ham|spam)$/)
    expect(r.contributors.length).toBeGreaterThan(0)
    expect(r.contributors.length).toBeLessThanOrEqual(2)

    // The payouts are floor(P * s_i / sum s) of the proven scores, and the contract credited each.
    const wei = (open: string) => parseUnits(open, 18)
    const pool = wei(r.inference.poolOpen)
    const total = r.contributors.reduce((s: bigint, c: any) => s + BigInt(c.score), 0n)
    for (const c of r.contributors) {
      expect(BigInt(c.score) > 0n).toBe(true)
      expect(wei(c.paidOpen)).toBe((pool * BigInt(c.score)) / total)
      expect(wei(c.creditedOpen) >= wei(c.paidOpen)).toBe(true)
    }
    const paid = r.contributors.reduce((s: bigint, c: any) => s + wei(c.paidOpen), 0n)
    expect(wei(r.split.contributorsOpen)).toBe(paid)
    // Every wei of the fee is accounted for: contributors + prover + model owner + treasury.
    const split = ['contributorsOpen', 'proverOpen', 'modelOwnerOpen', 'treasuryOpen'].reduce((s, k) => s + wei(r.split[k]), 0n)
    expect(split).toBe(wei(r.inference.feeOpen))
    expect(r.transactions.map((t: any) => t.step)).toEqual(
      expect.arrayContaining(['register model', 'record inference', 'settle (verify proof + split)', 'claim payouts']),
    )
    for (const t of r.transactions) expect(t.txHash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('refuses a sample larger than the circuit tree, with a usage message', async () => {
    const failed = await run(process.execPath, ['cli/bin.js', '--home', home, 'demo', '--records', '300'], { timeout: 120_000 }).then(
      () => undefined,
      (e: any) => e,
    )
    expect(failed?.code).toBe(2)
    expect(String(failed?.stderr)).toMatch(/--records 300 must be an integer in \[2, 256\]/)
  })
})
