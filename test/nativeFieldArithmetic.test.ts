import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadNativeProgram } from '../prover/proof/groth16/nativeProver.ts'

const run = promisify(execFile)

// Costs about 2 s here: compiling native/groth16/field_check.c once (~1 s) and 200,000 products
// per field checked against the portable one (~0.3 s), plus its rate loops (~0.5 s).
describe('native Groth16 field arithmetic (native/groth16/field.h)', () => {
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
})
