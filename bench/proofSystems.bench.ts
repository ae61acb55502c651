import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ensureDevKeys, devPtauPath, requiredPower } from '../ceremony/devSetup.ts'
import { ensureDevHonkKeys } from '../ceremony/devHonkSetup.ts'
import { readCrsManifest } from '../prover/proof/ultrahonk/crs.ts'
import { ultrahonkCircuitSize } from '../prover/proof/ultrahonk/keys.ts'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { compileNoirAttribution } from '../prover/proof/noir/compileNoir.ts'
import { attributionSpec, CIRCUIT_SETS, type CircuitSetName } from '../prover/proof/circuitParams.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { getProofSystem, type ProofSystemName } from '../prover/proof/proofSystems.ts'
import type { ProofPackage } from '../prover/proof/proofPackage.ts'
import { buildLayout } from '../prover/layout/index.ts'
import { randomWitness } from '../test/witnessFixture.ts'

/**
 * Both proof systems on the same attribution statement, the same witness and the same public
 * inputs, one run (issue 17 item 5): circom constraints vs UltraHonk gates, then for each set listed
 * in --prove and each system, in a child process of its own (so its peak RSS is its own): witness,
 * proof and local-verification time (the prover's stage reports), off-chain verify time, proof
 * size, peak RSS, and the on-chain verification gas of the system's IAttributionVerifier on
 * Hardhat's in-process chain. Ratios are UltraHonk / Groth16.
 *   npx tsx bench/proofSystems.bench.ts [--sets tiny,demo,full,production] [--prove tiny,demo] [--setup]
 * A set is proven only when its setup material is there (Groth16: the prepared 2^p dev ptau;
 * UltraHonk: a dev CRS with circuit size + 1 points) or --setup is given to make it (2^18 takes
 * about two hours on 2 cores).
 */
const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const log = (line: string) => process.stderr.write(`${line}\n`)
const SYSTEMS: readonly ProofSystemName[] = ['groth16', 'ultrahonk']

type ProveRow = {
  system: ProofSystemName
  set: string
  witnessMs: number
  proveMs: number
  localVerifyMs: number
  verifyMs: number
  proofBytes: number
  peakRssMiB: number
  /** The verify transaction's gas, and that less the intrinsic 21,000 + calldata bytes (what a settle's call pays for the check). */
  verifyGas: number
  verifyExecutionGas: number
}

/** The child: prove one set with one system, print one JSON line. */
async function child(system: ProofSystemName, set: CircuitSetName): Promise<void> {
  const params = CIRCUIT_SETS[set]
  const proofSystem = getProofSystem(system)
  const circuit = system === 'groth16' ? await compileCircuit(attributionSpec(params), log) : await compileNoirAttribution(params, { log })
  const keys = system === 'groth16' ? await ensureDevKeys(circuit as any, log) : await ensureDevHonkKeys(circuit as any, log)
  const { parameters, witness } = await randomWitness({ params, seed: 1, records: 64 })
  const stages: number[] = []
  const started = performance.now()
  const pkg: ProofPackage = await proofSystem.prove({
    circuit, keys, params, witness, queryInputHash: parameters.query.inputHash,
    onProgress: () => stages.push(performance.now()),
  })
  const [witnessAt, proofAt, checkedAt] = stages
  const publicSignals = pkg.publicSignals.map(BigInt)
  let t = performance.now()
  const valid = await proofSystem.verify({ verificationKey: keys.verificationKey, proof: pkg.proof, publicSignals })
  const verifyMs = performance.now() - t
  if (!valid) throw new Error(`${system} ${set}: the proof does not verify`)
  await proofSystem.release()
  const peakRssMiB = process.resourceUsage().maxRSS / 1024
  const calldata = proofSystem.calldata({ proof: pkg.proof, publicSignals })

  // The on-chain check: the generated verifier (adapter) deployed on Hardhat's in-process chain.
  const { prepareVerifiers } = await import('../prover/clients/settlementDeploy.ts')
  const { getHardhatRuntime } = await import('../prover/chain/hardhatRuntime.ts')
  const [generated] = await prepareVerifiers({ circuits: [{ circuitName: circuit.name, zkeyPath: keys.zkeyPath, system }] })
  const hre = await getHardhatRuntime()
  if (!(await hre.artifacts.artifactExists(generated.contractName))) await hre.run('compile', { quiet: true })
  const factory = await hre.ethers.getContractFactory(generated.contractName)
  const verifier: any = await factory.deploy()
  await verifier.waitForDeployment()
  if (!(await verifier.verify(calldata.proof, calldata.publicInputs))) throw new Error(`${system} ${set}: the on-chain verifier refused the proof`)
  const tx = await verifier.verify.send(calldata.proof, calldata.publicInputs)
  const receipt = await tx.wait()
  const data = Buffer.from(tx.data.slice(2), 'hex')
  const intrinsic = 21_000 + data.reduce((gas: number, b: number) => gas + (b === 0 ? 4 : 16), 0)
  const row: ProveRow = {
    system, set,
    witnessMs: Math.round(witnessAt - started),
    proveMs: Math.round(proofAt - witnessAt),
    localVerifyMs: Math.round(checkedAt - proofAt),
    verifyMs: Math.round(verifyMs),
    proofBytes: (calldata.proof.length - 2) / 2,
    peakRssMiB: Math.round(peakRssMiB),
    verifyGas: Number(receipt.gasUsed),
    verifyExecutionGas: Number(receipt.gasUsed) - intrinsic,
  }
  process.stdout.write(`${JSON.stringify(row)}\n`)
}

/** Whether a set's setup material exists for a system (no setup is made unless --setup). */
async function canProve(system: ProofSystemName, power: number, gatesPower: number | undefined): Promise<boolean> {
  if (args.includes('--setup')) return true
  if (system === 'groth16') return existsSync(devPtauPath(power))
  // A dev CRS of 2^p holds 2^(p+1) - 1 points; the circuit needs its padded size + 1.
  for (let p = 8; p <= 20; p++) {
    const manifest = readCrsManifest(buildLayout().devCrsDir(p))
    if (manifest && gatesPower !== undefined && manifest.points >= 2 ** gatesPower + 1) return true
  }
  return false
}

async function main(): Promise<void> {
  const childAt = args.indexOf('--child')
  if (childAt >= 0) return child(args[childAt + 1] as ProofSystemName, args[childAt + 2] as CircuitSetName)
  const sets = option('--sets', 'tiny,demo,full,production').split(',') as CircuitSetName[]
  const proveSets = new Set(option('--prove', 'demo').split(','))
  console.log(`cores: ${cpus().length} (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; snarkjs 0.7 Groth16 vs noir_js 1.0.0-beta.3 + bb.js 0.82.2 UltraHonk (keccak transcript)`)

  const sizes: { set: string; constraints: number; gates: number; subgroupSize: number; power: number }[] = []
  for (const set of sets) {
    const params = CIRCUIT_SETS[set]
    if (!params) throw new Error(`unknown set ${set}: use ${Object.keys(CIRCUIT_SETS).join(', ')}`)
    const circuit = await compileCircuit(attributionSpec(params), log)
    const { nConstraints } = await readR1cs(circuit.r1csPath)
    const noir = await compileNoirAttribution(params, { log })
    const { gates, subgroupSize } = await ultrahonkCircuitSize(noir.programPath)
    const row = { set, constraints: nConstraints, gates, subgroupSize, power: await requiredPower(circuit.r1csPath) }
    sizes.push(row)
    console.log(JSON.stringify({ ...row, gatesPerConstraint: +(gates / nConstraints).toFixed(2) }))
  }
  await getProofSystem('ultrahonk').release()

  const self = fileURLToPath(import.meta.url)
  const rows: ProveRow[] = []
  for (const { set, power, subgroupSize } of sizes) {
    if (!proveSets.has(set)) continue
    for (const system of SYSTEMS) {
      if (!(await canProve(system, power, Math.log2(subgroupSize)))) {
        console.log(JSON.stringify({ system, set, skipped: `no setup material (Groth16 2^${power} prepared ptau / UltraHonk CRS of ${subgroupSize + 1} points); --setup makes it` }))
        continue
      }
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', self, '--child', system, set, ...(args.includes('--setup') ? ['--setup'] : [])], { maxBuffer: 64 << 20 })
      const row = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProveRow
      rows.push(row)
      console.log(JSON.stringify(row))
    }
  }
  for (const set of proveSets) {
    const [g, h] = SYSTEMS.map((s) => rows.find((r) => r.system === s && r.set === set))
    if (!g || !h) continue
    const ratio = (k: keyof ProveRow) => +((h[k] as number) / (g[k] as number)).toFixed(2)
    console.log(JSON.stringify({ set, ultrahonkOverGroth16: { witness: ratio('witnessMs'), prove: ratio('proveMs'), verify: ratio('verifyMs'), proofBytes: ratio('proofBytes'), peakRss: ratio('peakRssMiB'), verifyGas: ratio('verifyGas'), verifyExecutionGas: ratio('verifyExecutionGas') } }))
  }
}

await main()
process.exit(0)
