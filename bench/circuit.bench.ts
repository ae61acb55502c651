import { cpus } from 'node:os'
import { existsSync } from 'node:fs'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { calculateWitness } from '../prover/proof/calculateWitness.ts'
import { attributionSpec, CIRCUIT_SETS, type AttributionParams } from '../prover/proof/circuitParams.ts'
import { proveAttribution } from '../prover/proof/proveAttribution.ts'
import { verifyProofPackage } from '../prover/proof/verifyProofPackage.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { devPtauPath, ensureDevKeys, requiredPower } from '../ceremony/devSetup.ts'
import { randomWitness } from '../test/witnessFixture.ts'

/**
 * Attribution circuit figures per parameter set: constraints (and per candidate), witness time
 * (circom wasm, in-thread), Groth16 prove time (worker thread, includes local verification) and
 * verify time. Ratios are to the tiny set measured in the same run.
 *   npx tsx bench/circuit.bench.ts [--sets tiny,demo,full,production] [--prove tiny,demo,full,production] [--setup]
 * Proving needs the set's dev keys, and those need a prepared powers of tau of 2^power: 2^14 and 2^15
 * take minutes, 2^18 (production) about an hour on 2 cores, so a set is proven only when listed in
 * --prove and its ptau exists (or --setup is given to generate it).
 */
const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const sets = option('--sets', 'tiny,demo,full,production').split(',')
const proveSets = new Set(option('--prove', 'tiny').split(','))
const allowSetup = args.includes('--setup')
const PARAMS: Record<string, AttributionParams> = CIRCUIT_SETS

console.log(`cores: ${cpus().length} (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, snarkjs 0.7.6, circom2 0.2.23 (--O2)`)
console.log(`sets: ${sets.map((s) => `${s} = Attribution(K=${PARAMS[s].candidateSlots}, k=${PARAMS[s].featureCount}, depth=${PARAMS[s].treeDepth})`).join('; ')}`)

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6
let baseline: { constraints: number; witnessMs: number; proveMs?: number } | undefined

for (const set of sets) {
  const params = PARAMS[set]
  if (!params) throw new Error(`unknown set ${set}: use ${Object.keys(CIRCUIT_SETS).join(', ')}`)
  let t = process.hrtime.bigint()
  const circuit = await compileCircuit(attributionSpec(params), (line) => console.error(line))
  const compileMs = ms(t)
  const r1cs = await readR1cs(circuit.r1csPath)
  const power = await requiredPower(circuit.r1csPath)
  const { parameters, witness } = await randomWitness({ params, seed: 1, records: 64 })
  await calculateWitness(circuit, witness.input) // load the wasm once
  const runs = 3
  t = process.hrtime.bigint()
  for (let i = 0; i < runs; i++) await calculateWitness(circuit, witness.input)
  const witnessMs = ms(t) / runs
  const row: Record<string, unknown> = {
    case: set,
    params,
    constraints: r1cs.nConstraints,
    constraintsPerCandidate: Math.round(r1cs.nConstraints / params.candidateSlots),
    publicInputs: r1cs.nPublicInputs,
    ptauPower: power,
    compileMs: Math.round(compileMs),
    witnessMs: Math.round(witnessMs),
  }
  if (proveSets.has(set) && (allowSetup || existsSync(devPtauPath(power)))) {
    const keys = await ensureDevKeys(circuit, (line) => console.error(line))
    t = process.hrtime.bigint()
    const pkg = await proveAttribution({ circuit, keys, params, witness, queryInputHash: parameters.query.inputHash })
    row.proveMs = Math.round(ms(t))
    t = process.hrtime.bigint()
    const { valid } = await verifyProofPackage(pkg, keys.verificationKey, { keepCurve: true })
    row.verifyMs = Math.round(ms(t))
    if (!valid) throw new Error(`${set}: proof did not verify`)
    await releaseCurve()
  } else if (proveSets.has(set)) {
    row.proveMs = null
    row.note = `no prepared 2^${power} ptau (${devPtauPath(power)}); pass --setup to generate it`
  }
  baseline ??= { constraints: r1cs.nConstraints, witnessMs, proveMs: row.proveMs as number | undefined }
  row.ratioToTiny = {
    constraints: +(r1cs.nConstraints / baseline.constraints).toFixed(2),
    witness: +(witnessMs / baseline.witnessMs).toFixed(2),
    ...(typeof row.proveMs === 'number' && baseline.proveMs ? { prove: +(row.proveMs / baseline.proveMs).toFixed(2) } : {}),
  }
  console.log(JSON.stringify(row))
}
