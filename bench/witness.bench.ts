/**
 * Native witness generator (circom --c with native/witness/witness_main.cpp) against circom's
 * WebAssembly one as snarkjs's wtns.calculate runs it, in ONE run, on the same random input:
 *   - witness time inside the process (native: .dat read, JSON parse, circuit, .wtns write; wasm:
 *     wasm compile and instantiate, circuit, .wtns write), and wall time from process start;
 *   - peak memory (max RSS) of the process doing it: the native child, or a node child running
 *     snarkjs.wtns.calculate;
 *   - the one-off cost of the native build (circom2 --c, then g++ and nasm), when not cached;
 *   - that both .wtns files are byte-identical.
 * On every circuit set whose WebAssembly generator exists (tiny, demo; full and production when built).
 * Run: `npx tsx bench/witness.bench.ts [--runs 3] [--sets tiny,demo]`
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CIRCUIT_SETS, attributionSpec, type CircuitSetName } from '../prover/proof/circuitParams.ts'
import { buildLayout, packagePath } from '../prover/layout/index.ts'
import { loadNativeWitness, builtNativeWitness } from '../prover/proof/nativeWitness/nativeWitness.ts'
import { runNativeWitness } from '../prover/proof/nativeWitness/runNativeWitness.ts'
import { normalizeWitnessInput } from '../prover/proof/nativeWitness/witnessInput.ts'
import { circuitCppIsCurrent } from '../prover/proof/nativeWitness/circuitCpp.ts'
import { randomWitness } from '../test/witnessFixture.ts'

const run = promisify(execFile)
const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const RUNS = Number(arg('--runs', '3'))
const SETS = arg('--sets', Object.keys(CIRCUIT_SETS).join(',')).split(',') as CircuitSetName[]
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (kb: number) => (kb / 1024).toFixed(0)

/** snarkjs.wtns.calculate in a fresh node process, as the prove worker runs it (one call per thread). */
async function wasmWitness(inputPath: string, wasmPath: string, wtnsPath: string): Promise<{ ms: number; wallMs: number; peakRssKb: number }> {
  const script = `import * as s from 'snarkjs'
import { readFileSync } from 'node:fs'
const input = JSON.parse(readFileSync(${JSON.stringify(inputPath)}, 'utf8'))
const t = performance.now()
await s.wtns.calculate(input, ${JSON.stringify(wasmPath)}, ${JSON.stringify(wtnsPath)})
const ms = performance.now() - t
await globalThis.curve_bn128?.terminate()
console.log(JSON.stringify({ ms, peakRssKb: process.resourceUsage().maxRSS }))`
  const start = performance.now()
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packagePath(), maxBuffer: 1 << 20 })
  return { ...JSON.parse(stdout.trim().split('\n').pop()!), wallMs: performance.now() - start }
}

async function main() {
  console.log(`witness bench: ${RUNS} runs each, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  const dir = mkdtempSync(join(tmpdir(), 'poa-witness-bench-'))
  const rows: string[] = []
  try {
    for (const set of SETS) {
      const spec = attributionSpec(CIRCUIT_SETS[set])
      const circuitDir = buildLayout().circuitDir(spec.name)
      const circuit = { name: spec.name, wasmPath: join(circuitDir, `${spec.name}_js`, `${spec.name}.wasm`) }
      if (!existsSync(circuit.wasmPath)) {
        console.log(`${set} (${spec.name}): no WebAssembly generator under ${circuitDir}: skipped (compile the circuit first)`)
        continue
      }
      const hadCpp = circuitCppIsCurrent(circuit)
      const cached = builtNativeWitness({ circuit }) !== undefined
      const buildStart = performance.now()
      const native = await loadNativeWitness({ circuit, onLog: (line) => console.log(`  ${line}`) })
      const buildS = (performance.now() - buildStart) / 1000
      if (native.binary === undefined) {
        console.log(`${set} (${spec.name}): native witness generator unavailable: ${native.reason}`)
        continue
      }
      const build = cached ? 'cached' : `${buildS.toFixed(1)} s (${hadCpp ? 'g++ only' : 'circom2 --c + g++'})`
      console.log(`${set} (${spec.name}): native build ${build}`)
      // Enough records that K of them score above 0 (the production circuit has K = 16 slots).
      const { witness } = await randomWitness({ params: CIRCUIT_SETS[set], seed: 1, records: 8 * CIRCUIT_SETS[set].candidateSlots })
      const inputPath = join(dir, `${set}.json`)
      writeFileSync(inputPath, JSON.stringify(normalizeWitnessInput(spec.name, witness.input)))
      const n: { ms: number; wallMs: number; peakRssKb: number }[] = []
      const w: { ms: number; wallMs: number; peakRssKb: number }[] = []
      for (let i = 0; i < RUNS; i++) {
        const nativePath = join(dir, `${set}.native.wtns`)
        const start = performance.now()
        const out = await runNativeWitness({ binary: native.binary, datPath: native.datPath, inputPath, wtnsPath: nativePath, circuit: spec.name })
        n.push({ ...out, wallMs: performance.now() - start })
        const wasmPath = join(dir, `${set}.wasm.wtns`)
        w.push(await wasmWitness(inputPath, circuit.wasmPath, wasmPath))
        if (!readFileSync(nativePath).equals(readFileSync(wasmPath))) throw new Error(`${set}: native and wasm .wtns differ (run ${i + 1})`)
        console.log(`  run ${i + 1}: native ${out.ms.toFixed(0)} ms (${mb(out.peakRssKb)} MB), wasm ${w[i].ms.toFixed(0)} ms (${mb(w[i].peakRssKb)} MB), .wtns identical`)
      }
      const [nm, wm] = [median(n.map((x) => x.ms)), median(w.map((x) => x.ms))]
      const [nw, ww] = [median(n.map((x) => x.wallMs)), median(w.map((x) => x.wallMs))]
      rows.push(
        `${set.padEnd(10)} native ${nm.toFixed(0).padStart(6)} ms (wall ${nw.toFixed(0)}), ${mb(median(n.map((x) => x.peakRssKb))).padStart(4)} MB | ` +
          `wasm ${wm.toFixed(0).padStart(6)} ms (wall ${ww.toFixed(0)}), ${mb(median(w.map((x) => x.peakRssKb))).padStart(4)} MB | ` +
          `${(wm / nm).toFixed(1)}x in process, ${(ww / nw).toFixed(1)}x wall | build ${build}`,
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nmedians of ${RUNS} (in-process time; wall from process start), byte-identical .wtns:`)
  for (const row of rows) console.log(row)
}

await main()
