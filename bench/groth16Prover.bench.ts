/**
 * Native Groth16 prover (native/groth16) against snarkjs 0.7, in ONE run, on the same witness file:
 *   - prove time (wall, process start to proof; and CPU time of all its threads, which a loaded
 *     machine distorts less) and peak memory (max RSS of the proving process: the
 *     native child, or a node child running snarkjs.groth16.prove with its curve threads);
 *   - the native prover's own split: read (.zkey/.wtns mapping and checks), QAP (A, B, C
 *     evaluations), NTT (3 inverse + 3 coset NTTs and H), MSM G1 (A, B1, C, H), MSM G2 (B2);
 *   - the WebAssembly witness time (the witness both provers read).
 * On every circuit set whose dev .zkey exists (tiny, demo; full and production when made), each
 * native proof checked with snarkjs's verifier. With --timing-keys, a set without a .zkey but with
 * its r1cs gets a timing-only key (bench/timingZkey.ts: the real coefficients and sizes, the demo
 * key's points repeated): same work for both provers, proofs that do not verify, rows marked.
 * Run: `npx tsx bench/groth16Prover.bench.ts [--runs 3] [--threads 2] [--sets tiny,demo] [--timing-keys]`
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as snarkjs from 'snarkjs'
import { CIRCUIT_SETS, attributionSpec, type CircuitSetName } from '../prover/proof/circuitParams.ts'
import { loadNativeProgram, loadNativeProver } from '../prover/proof/groth16/nativeProver.ts'
import { runNativeProver, type NativeProverTimings } from '../prover/proof/groth16/runNativeProver.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { buildLayout, packagePath } from '../prover/layout/index.ts'
import { randomWitness } from '../test/witnessFixture.ts'
import { writeTimingZkey } from './timingZkey.ts'

const run = promisify(execFile)
const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const RUNS = Number(arg('--runs', '3'))
const THREADS = Number(arg('--threads', String(availableParallelism())))
const SETS = arg('--sets', Object.keys(CIRCUIT_SETS).join(',')).split(',') as CircuitSetName[]
const TIMING_KEYS = args.includes('--timing-keys')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (kb: number) => (kb / 1024).toFixed(0)

/** snarkjs's split, from the times of its debug log lines: QAP (read + ABC), NTT (6 FFTs + join), MSM G1 (A, B1, C, H), MSM G2 (B2). */
type SnarkjsSplit = { qap: number; ntt: number; msmG1: number; msmG2: number }

/** snarkjs.groth16.prove in a fresh node process (curve built per call, as the prove worker does). */
async function snarkjsProve(zkeyPath: string, wtnsPath: string): Promise<{ ms: number; peakRssKb: number; cpuMs: number; split: SnarkjsSplit }> {
  const script = `import * as s from 'snarkjs'
const marks = {}
const mark = (m) => { marks[m] ??= performance.now() }
const logger = { debug: mark, info: () => {}, warn: () => {}, error: () => {} }
const t = performance.now()
const cpu = process.cpuUsage()
await s.groth16.prove(${JSON.stringify(zkeyPath)}, ${JSON.stringify(wtnsPath)}, logger)
const end = performance.now()
const at = (m) => marks[m] ?? NaN
const split = {
  qap: at('Building ABC') - t, ntt: at('Reading A Points') - at('Building ABC'),
  msmG1: (at('Reading B2 Points') - at('Reading A Points')) + (end - at('Reading C Points')),
  msmG2: at('Reading C Points') - at('Reading B2 Points'),
}
const ms = performance.now() - t
const used = process.cpuUsage(cpu)
const cpuMs = (used.user + used.system) / 1000
await globalThis.curve_bn128?.terminate()
console.log(JSON.stringify({ ms, cpuMs, peakRssKb: process.resourceUsage().maxRSS, split }))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packagePath(), maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').pop()!)
}

async function main() {
  const native = await loadNativeProver()
  if (!native.binary) throw new Error(`native prover unavailable: ${native.reason}`)
  console.log(`groth16 prover bench: ${RUNS} runs each, native with ${THREADS} threads, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  const fieldCheck = await loadNativeProgram('field_check')
  if (fieldCheck.binary) {
    // The Fq product's rate, the fast one (mulx/adcx/adox where the CPU has them) and the portable one.
    const f = JSON.parse((await run(fieldCheck.binary, ['1000'])).stdout) as { adx: number; fqMulNs: { latency: number; throughput: number }; fqMulPortableNs: { latency: number; throughput: number } }
    console.log(`Fq product: ${f.adx ? 'mulx/adcx/adox' : 'portable'} ${f.fqMulNs.throughput.toFixed(1)} ns (latency ${f.fqMulNs.latency.toFixed(1)} ns), portable __int128 ${f.fqMulPortableNs.throughput.toFixed(1)} ns (latency ${f.fqMulPortableNs.latency.toFixed(1)} ns)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'poa-g16-bench-'))
  try {
    for (const set of SETS) {
      const spec = attributionSpec(CIRCUIT_SETS[set])
      const circuitDir = buildLayout().circuitDir(spec.name)
      let zkeyPath = join(circuitDir, `${spec.name}.dev.zkey`)
      const wasmPath = join(circuitDir, `${spec.name}_js`, `${spec.name}.wasm`)
      const r1csPath = join(circuitDir, `${spec.name}.r1cs`)
      const donor = join(buildLayout().circuitDir(attributionSpec(CIRCUIT_SETS.demo).name), `${attributionSpec(CIRCUIT_SETS.demo).name}.dev.zkey`)
      let timing = false
      if (!existsSync(zkeyPath) && TIMING_KEYS && existsSync(r1csPath) && existsSync(donor)) {
        zkeyPath = join(dir, `${spec.name}.timing.zkey`)
        const made = writeTimingZkey({ r1csPath, donorZkeyPath: donor, outPath: zkeyPath })
        console.log(`${set}: timing-only key, ${made.nConstraints} constraints, ${made.nVars} variables, domain ${made.domainSize}`)
        timing = true
      }
      if (!existsSync(zkeyPath) || !existsSync(wasmPath)) {
        console.log(`${set} (${spec.name}): skipped, no dev .zkey (its powers of tau are not prepared here; --timing-keys times it on a timing-only key)`)
        continue
      }
      const { witness } = await randomWitness({ params: CIRCUIT_SETS[set], seed: 1, records: 8 * CIRCUIT_SETS[set].candidateSlots })
      const wtnsPath = join(dir, `${set}.wtns`)
      const witnessMs: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now()
        await snarkjs.wtns.calculate(witness.input as any, wasmPath, wtnsPath)
        witnessMs.push(performance.now() - t)
      }
      const vkey = timing ? undefined : ((await snarkjs.zKey.exportVerificationKey(zkeyPath)) as any)
      const nativeRuns: { ms: number; peakRssKb: number; cpuMs: number; split: NativeProverTimings }[] = []
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now()
        const out = await runNativeProver({ binary: native.binary, zkeyPath, wtnsPath, circuit: spec.name, threads: THREADS })
        nativeRuns.push({ ms: performance.now() - t, peakRssKb: out.peakRssKb, cpuMs: out.cpuMs, split: out.timingsMs })
        if (vkey && !(await snarkjs.groth16.verify(vkey, out.publicSignals, out.proof))) throw new Error(`${set}: a native proof does not verify`)
      }
      await releaseCurve()
      const jsRuns: { ms: number; peakRssKb: number; cpuMs: number; split: SnarkjsSplit }[] = []
      for (let i = 0; i < RUNS; i++) jsRuns.push(await snarkjsProve(zkeyPath, wtnsPath))
      const nMs = median(nativeRuns.map((r) => r.ms))
      const jMs = median(jsRuns.map((r) => r.ms))
      const mid = nativeRuns.find((r) => r.ms === nMs)!.split
      const js = jsRuns.find((r) => r.ms === jMs)!.split
      const nCpu = median(nativeRuns.map((r) => r.cpuMs))
      const jCpu = median(jsRuns.map((r) => r.cpuMs))
      const line = `${(timing ? `${set}*` : set).padEnd(11)} ${spec.name.padEnd(25)} witness ${median(witnessMs).toFixed(0).padStart(6)} ms | snarkjs ${jMs.toFixed(0).padStart(6)} ms ${mb(Math.max(...jsRuns.map((r) => r.peakRssKb)))} MB | native ${nMs.toFixed(0).padStart(6)} ms ${mb(Math.max(...nativeRuns.map((r) => r.peakRssKb)))} MB | wall ${(jMs / nMs).toFixed(2)}x, CPU ${(jCpu / 1000).toFixed(1)} s vs ${(nCpu / 1000).toFixed(1)} s = ${(jCpu / nCpu).toFixed(2)}x | native split: read ${mid.read.toFixed(0)}, qap ${mid.qap.toFixed(0)}, ntt ${mid.ntt.toFixed(0)}, msm G1 ${mid.msmG1.toFixed(0)}, msm G2 ${mid.msmG2.toFixed(0)} ms | snarkjs split: read+qap ${js.qap.toFixed(0)}, ntt ${js.ntt.toFixed(0)}, msm G1 ${js.msmG1.toFixed(0)}, msm G2 ${js.msmG2.toFixed(0)} ms`
      console.log(line)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await releaseCurve()
  }
  if (TIMING_KEYS) console.log('* timing-only key (bench/timingZkey.ts): real sizes and coefficients, repeated points; its proofs do not verify')
  console.log(`\n(timings are medians of ${RUNS}; peak memory is the max RSS of the proving process; the machine is shared, see load above)`)
}

await main()
