import { cpus } from 'node:os'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { challengeSpec, CIRCUIT_SETS, type AttributionParams } from '../prover/proof/circuitParams.ts'
import { acirSizeOf, compileNoirChallenge } from '../prover/proof/noir/index.ts'
import { requiredPower } from '../ceremony/devSetup.ts'
import { circuitSizeOf } from '../prover/proof/ultrahonk/backend.ts'

/**
 * The challenge statement's size per parameter set in both systems: the circom Challenge's R1CS
 * constraints (Groth16) beside the Noir challenge program's ACIR opcodes and UltraHonk gates (bb.js
 * 0.82.2 acirGetCircuitSizes) and the power of two each needs. Ratios are gates / constraints in
 * the same run, and each set's figures to tiny's.
 *   npx tsx bench/noirChallenge.bench.ts [--sets tiny,demo,full,production]
 * Compiles what build/ lacks (noir_wasm: seconds a set here; circom: the same).
 */
const args = process.argv.slice(2)
const at = args.indexOf('--sets')
const sets = (at >= 0 ? args[at + 1] : 'tiny,demo,full,production').split(',')
const PARAMS: Record<string, AttributionParams> = CIRCUIT_SETS

console.log(`cores: ${cpus().length} (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, noir_wasm 1.0.0-beta.3, bb.js 0.82.2, circom2 (--O2)`)
let tiny: { constraints: number; gates: number } | undefined
for (const set of sets) {
  const params = PARAMS[set]
  if (!params) throw new Error(`unknown set ${set}: use ${Object.keys(CIRCUIT_SETS).join(', ')}`)
  const circom = await compileCircuit(challengeSpec(params), (line) => console.error(line))
  const { nConstraints: constraints } = await readR1cs(circom.r1csPath)
  let t = performance.now()
  const noir = await compileNoirChallenge(params, { log: (line) => console.error(line) })
  const compileMs = Math.round(performance.now() - t)
  t = performance.now()
  const { gates, subgroupSize } = await circuitSizeOf(noir.program.bytecode)
  const sizeMs = Math.round(performance.now() - t)
  tiny ??= { constraints, gates }
  console.log(JSON.stringify({
    case: set, params, circomConstraints: constraints, groth16Power: await requiredPower(circom.r1csPath),
    noirOpcodes: acirSizeOf(noir.program).opcodes, ultrahonkGates: gates, ultrahonkCircuitSize: subgroupSize,
    gatesPerConstraint: +(gates / constraints).toFixed(2),
    ratioToTiny: { constraints: +(constraints / tiny.constraints).toFixed(2), gates: +(gates / tiny.gates).toFixed(2) },
    noirCompileMs: compileMs, sizeMs,
  }))
}
