import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadNativeProgram } from '../prover/proof/groth16/nativeProver.ts'

const run = promisify(execFile)

// Costs about 5 s here: compiling native/groth16/field_check.c and msm_check.c once (~1 s each),
// 200,000 products per field checked against the portable one plus its rate loops (~1 s), and
// 168 MSMs of 700 points against double-and-add (~2 s).
describe('native Groth16 arithmetic (native/groth16)', () => {
  it('multiplies as the portable product on edge and random values in Fq and Fr, with mulx/adcx/adox where the CPU has them', async () => {
    const { binary, reason } = await loadNativeProgram('field_check')
    expect(reason).toBeUndefined()
    const { stdout } = await run(binary!, ['200000'])
    const result = JSON.parse(stdout) as { adx: number; checked: number; fqMulNs: { latency: number } }
    expect(result.checked).toBe(200000)
    const cpuFlags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? []
    const hasAdx = process.arch === 'x64' && cpuFlags.includes('adx') && cpuFlags.includes('bmi2')
    expect(result.adx).toBe(hasAdx ? 1 : 0)
    expect(result.fqMulNs.latency).toBeGreaterThan(0)
  })

  it('sums G1 MSMs as double-and-add does for every window width, 1-3 threads, edge scalars (0, 1, r - 1, all-ones digits) and repeated, opposite and infinite bases', async () => {
    const { binary, reason } = await loadNativeProgram('msm_check')
    expect(reason).toBeUndefined()
    const { stdout } = await run(binary!)
    expect(JSON.parse(stdout)).toEqual({ msmsChecked: 168, points: 700 })
  })
})
