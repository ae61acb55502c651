// Time of each ceremony step (poa's in-process path: snarkjs API + transcript, signatures, sha256,
// atomic rename) beside snarkjs's own CLI doing the same step on its own copy, in the same run.
// Baseline: the snarkjs CLI (`node node_modules/snarkjs/build/cli.cjs ...`, one process per step,
// so its start-up is part of its time, as a participant running it would pay). Phase 2 uses the
// 3-constraint test circuit on the 2^power ptau. The CRS export's baseline is sha256 of the ptau
// (the cost of reading it once).
// Run: npx tsx bench/ceremony.bench.ts [--powers 12,14]   (add 16 outside CI: prepare takes ~15 min a side)
import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import {
  beaconPhase1, beaconPhase2, contributePhase1, contributePhase2, exportBbCrs, exportCircuit, finalizePhase2, initPhase1,
  preparePhase1, setupPhase2, sha256File, verifyPhase1Chain, verifyPhase2Chain,
} from '../ceremony/index.ts'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { withCurve } from '../prover/proof/curve.ts'

const arg = process.argv.indexOf('--powers')
const powers = (arg > 0 ? process.argv[arg + 1] : '12,14').split(',').map(Number)
const cli = join(createRequire(import.meta.url).resolve('snarkjs'), '..', 'cli.cjs')
const BEACON = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20'

console.log(`cores ${availableParallelism()} (${cpus()[0]?.model ?? '?'}), node ${process.version}, snarkjs 0.7.6`)
console.log(`powers ${powers.join(', ')}; beacon 2^10 sha256 rounds; phase 2 circuit: ceremony_multiplier (3 constraints)`)

const circuit = await compileCircuit({ name: 'ceremony_multiplier', source: 'circuits/test/ceremonyMultiplier.circom', template: 'CeremonyMultiplier', params: [], publicInputs: ['product', 'b2'] })
const signer = Wallet.createRandom()

async function time<T>(work: () => Promise<T> | T): Promise<number> {
  const start = performance.now()
  await work()
  return (performance.now() - start) / 1000
}
const snarkjsCli = (...args: string[]) => time(() => { execFileSync(process.execPath, [cli, ...args], { stdio: 'ignore' }) })

function line(power: number, step: string, poaS: number, baselineS: number, baseline = 'snarkjs cli') {
  console.log(JSON.stringify({ case: step, power, poaS: Number(poaS.toFixed(3)), baseline, baselineS: Number(baselineS.toFixed(3)), ratio: Number((poaS / baselineS).toFixed(3)) }))
}

for (const power of powers) {
  const root = mkdtempSync(join(tmpdir(), `poa-ceremony-bench-${power}-`))
  const dir = join(root, 'poa')
  const s = (name: string) => join(root, name)
  const base = { dir, contributor: 'bench', signer }
  try {
    line(power, 'phase1.init', await time(() => initPhase1({ ...base, power })), await snarkjsCli('powersoftau', 'new', 'bn128', String(power), s('0.ptau')))
    line(power, 'phase1.contribute', await time(() => contributePhase1(base)), await snarkjsCli('powersoftau', 'contribute', s('0.ptau'), s('1.ptau'), '--name=bench', '-e=bench entropy'))
    line(power, 'phase1.beacon', await time(() => beaconPhase1({ ...base, beaconHash: BEACON, iterationsExp: 10 })), await snarkjsCli('powersoftau', 'beacon', s('1.ptau'), s('2.ptau'), BEACON, '10', '-n=beacon'))
    line(power, 'phase1.prepare', await time(() => preparePhase1(base)), await snarkjsCli('powersoftau', 'prepare', 'phase2', s('2.ptau'), s('final.ptau')))
    line(power, 'phase1.verify', await time(() => withCurve(() => verifyPhase1Chain(dir, { full: true }))), await snarkjsCli('powersoftau', 'verify', s('final.ptau')))
    const ptau = join(dir, `phase1/pot${power}_final.ptau`)
    line(power, 'phase2.setup', await time(() => setupPhase2({ ...base, circuit: 'mul', r1csPath: circuit.r1csPath })), await snarkjsCli('groth16', 'setup', circuit.r1csPath, s('final.ptau'), s('0.zkey')))
    line(power, 'phase2.contribute', await time(() => contributePhase2({ ...base, circuit: 'mul' })), await snarkjsCli('zkey', 'contribute', s('0.zkey'), s('1.zkey'), '--name=bench', '-e=bench entropy'))
    line(power, 'phase2.beacon', await time(() => beaconPhase2({ ...base, circuit: 'mul', beaconHash: BEACON, iterationsExp: 10 })), await snarkjsCli('zkey', 'beacon', s('1.zkey'), s('2.zkey'), BEACON, '10', '-n=beacon'))
    line(power, 'phase2.verify', await time(() => withCurve(() => verifyPhase2Chain(dir, 'mul', { full: true }))), await snarkjsCli('zkey', 'verify', circuit.r1csPath, s('final.ptau'), s('2.zkey')))
    // finalize = full verify + copy; snarkjs has no such step, so its baseline is `zkey verify`.
    line(power, 'phase2.finalize', await time(() => finalizePhase2({ ...base, circuit: 'mul' })), await snarkjsCli('zkey', 'verify', circuit.r1csPath, s('final.ptau'), s('2.zkey')), 'snarkjs cli zkey verify')
    line(power, 'phase2.export', await time(() => exportCircuit({ dir, circuit: 'mul' })), await snarkjsCli('zkey', 'export', 'solidityverifier', s('2.zkey'), s('verifier.sol')) + await snarkjsCli('zkey', 'export', 'verificationkey', s('2.zkey'), s('vkey.json')), 'snarkjs cli export solidityverifier + verificationkey')
    line(power, 'crs.export', await time(() => exportBbCrs({ ptauPath: ptau, outDir: join(root, 'crs') })), await time(() => sha256File(ptau)), 'sha256 of the ptau')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
