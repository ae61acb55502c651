import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_CHALLENGE_SPEC, TINY_PARAMS, TINY_SPEC } from '../prover/proof/circuitParams.ts'
import { proveChallenge } from '../prover/proof/proveChallenge.ts'
import { proveAttribution, type ProvingKeys } from '../prover/proof/proveAttribution.ts'
import { verifyProofPackage } from '../prover/proof/verifyProofPackage.ts'
import { readProofPackage, toSolidityCalldata, type ProofPackage } from '../prover/proof/proofPackage.ts'
import { ProofPackageError, ProveAbortedError } from '../prover/proof/errors.ts'
import { getProofSystem, PROOF_SYSTEM_NAMES, UnknownProofSystemError } from '../prover/proof/proofSystems.ts'
import { WitnessUnsatisfiedError } from '../prover/proof/calculateWitness.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { checkGroth16Proof } from '../prover/proof/groth16/calldata.ts'
import { ensureDevKeys } from '../ceremony/devSetup.ts'
import { buildAttributionWitness, buildChallengeInput, signedToField, type BuildAttributionWitnessReturnType } from '../prover/witness/index.ts'
import { readAttributionVector } from './vectors/attributionVector.ts'
import { challengeScenario, randomWitness } from './witnessFixture.ts'

const run = promisify(execFile)

let circuit: CompiledCircuit
let keys: ProvingKeys
let witness: BuildAttributionWitnessReturnType
let pkg: ProofPackage
const progress: number[] = []
let ticksWhileProving = 0
const vector = readAttributionVector()
const inferenceId = `0x${'5a'.repeat(32)}`

beforeAll(async () => {
  circuit = await compileCircuit(TINY_SPEC)
  keys = await ensureDevKeys(circuit)
  witness = await buildAttributionWitness(vector.parameters)
  const timer = setInterval(() => ticksWhileProving++, 5)
  try {
    pkg = await proveAttribution({
      circuit, keys, params: TINY_PARAMS, witness, queryInputHash: vector.parameters.query.inputHash, inferenceId,
      onProgress: (p) => progress.push(p.done),
    })
  } finally {
    clearInterval(timer)
  }
})
afterAll(releaseCurve)

/** A copy of the package claiming other public inputs (signals rebuilt consistently). */
function claim(change: (p: ProofPackage['publicInputs']) => void): ProofPackage {
  const copy: ProofPackage = JSON.parse(JSON.stringify(pkg))
  change(copy.publicInputs)
  const slots = copy.publicInputs.payouts.map((s) => BigInt(s.contributor) + (BigInt(s.payout) << 160n))
  const i = copy.publicInputs
  copy.publicSignals = [i.settlementId, i.datanetRoot, i.indexRoot, i.queryCommitment, i.pool, i.threshold, i.paidLeavesHash, ...slots.map(String)]
  return copy
}

describe('proveAttribution (real snarkjs Groth16, tiny circuit)', () => {
  it('proves in a worker thread, reports each stage, and leaves the calling thread running', () => {
    expect(progress).toEqual([1, 2, 3])
    expect(ticksWhileProving).toBeGreaterThan(0)
  })

  it('writes a schema-3 package that names the proof system, the circuit, its id, params and hashes, and decodes the public inputs', () => {
    expect(pkg.schemaVersion).toBe(3)
    expect(pkg.publicInputs).toMatchObject({ threshold: String(witness.publicInputs.threshold), paidLeavesHash: String(witness.publicInputs.paidLeavesHash) })
    expect(pkg.system).toBe('groth16')
    expect(pkg.circuit).toMatchObject({ id: keys.circuitId, name: TINY_SPEC.name, template: 'Attribution', params: TINY_PARAMS, zkeySha256: keys.zkeyHash })
    expect(pkg.circuit.r1csSha256).toBe(createHash('sha256').update(readFileSync(circuit.r1csPath)).digest('hex'))
    expect(pkg.publicSignals).toEqual(vector.expected.publicSignals.map(String))
    expect(pkg.publicInputs.payouts.map((p) => BigInt(p.payout))).toEqual(vector.expected.payouts)
    expect(pkg.publicInputs.payouts.map((p) => p.contributor)).toEqual(vector.parameters.candidates.map((c) => c.contributor))
    expect(pkg.commitments).toMatchObject({ queryCommitment: String(witness.publicInputs.queryCommitment), queryInputHash: String(vector.parameters.query.inputHash), inferenceId })
    expect(JSON.parse(JSON.stringify(pkg))).toEqual(pkg)
  })

  it('verifies the package, and rejects it for every other public input set', async () => {
    expect((await verifyProofPackage(pkg, keys.verificationKey)).valid).toBe(true)
    const others = [
      claim((p) => void (p.settlementId = String(BigInt(p.settlementId) + 1n))),
      claim((p) => void (p.datanetRoot = String(BigInt(p.datanetRoot) + 1n))),
      claim((p) => void (p.indexRoot = String(BigInt(p.indexRoot) + 1n))),
      claim((p) => void (p.queryCommitment = String(BigInt(p.queryCommitment) + 1n))),
      claim((p) => void (p.pool = String(BigInt(p.pool) + 1n))),
      claim((p) => void (p.threshold = String(BigInt(p.threshold) + 1n))),
      claim((p) => void (p.paidLeavesHash = String(BigInt(p.paidLeavesHash) + 1n))),
      claim((p) => void (p.payouts[0].payout = String(BigInt(p.payouts[0].payout) + 1n))),
      claim((p) => void (p.payouts[1].contributor = p.payouts[0].contributor)),
      claim((p) => void ([p.payouts[0], p.payouts[1]] = [p.payouts[1], p.payouts[0]])),
    ]
    for (const [i, other] of others.entries()) {
      expect((await verifyProofPackage(other, keys.verificationKey, { keepCurve: true })).valid, `variant ${i}`).toBe(false)
    }
  })

  it('does not verify one input set with the proof of another', async () => {
    const { parameters, witness: second } = await randomWitness({ params: TINY_PARAMS, seed: 77, records: 20 })
    const other = await proveAttribution({ circuit, keys, params: TINY_PARAMS, witness: second, queryInputHash: parameters.query.inputHash })
    expect((await verifyProofPackage(other, keys.verificationKey)).valid).toBe(true)
    expect((await verifyProofPackage({ ...other, proof: pkg.proof }, keys.verificationKey)).valid).toBe(false)
    expect((await verifyProofPackage({ ...pkg, proof: other.proof }, keys.verificationKey)).valid).toBe(false)
  })

  it('refuses a package whose signals disagree with its decoded inputs, a wrong schema or a key of another size', async () => {
    const swapped = { ...pkg, publicSignals: [...pkg.publicSignals.slice(0, 4), String(BigInt(pkg.publicSignals[4]) + 1n), ...pkg.publicSignals.slice(5)] }
    expect(() => readProofPackage({ ...pkg, publicInputs: { ...pkg.publicInputs, threshold: undefined } })).toThrow(/publicInputs\.threshold": expected a decimal string/)
    expect(() => readProofPackage(swapped)).toThrow(/publicSignals\[4\]": expected .* \(rebuilt from publicInputs\)/)
    expect(() => readProofPackage({ ...pkg, schemaVersion: 4 })).toThrow(ProofPackageError)
    expect(() => readProofPackage({ ...pkg, schemaVersion: 2 })).toThrow(/"schemaVersion": expected 3 \(a version 2 proof has no threshold and no paidLeavesHash/)
    expect(() => readProofPackage({ ...pkg, publicInputs: { ...pkg.publicInputs, payouts: pkg.publicInputs.payouts.slice(1) } })).toThrow(/publicInputs\.payouts": expected 3 slots, got 2/)
    await expect(verifyProofPackage(pkg, { ...keys.verificationKey, nPublic: 8 })).rejects.toThrow(/verificationKey\.nPublic/)
  })

  it('gives Solidity calldata with b in EIP-197 order and the signals in circuit order', () => {
    const calldata = toSolidityCalldata(pkg)
    // The proof bytes are abi.encode(a, b, c): 8 words, b's coordinates swapped (x.c1, x.c0).
    const words = Array.from({ length: 8 }, (_, i) => BigInt(`0x${calldata.proof.slice(2 + 64 * i, 66 + 64 * i)}`))
    expect(calldata.proof).toHaveLength(2 + 2 * 256)
    const proof = checkGroth16Proof(pkg.proof)
    expect(words.slice(0, 2)).toEqual([BigInt(proof.pi_a[0]), BigInt(proof.pi_a[1])])
    expect(words.slice(2, 6)).toEqual([
      BigInt(proof.pi_b[0][1]), BigInt(proof.pi_b[0][0]),
      BigInt(proof.pi_b[1][1]), BigInt(proof.pi_b[1][0]),
    ])
    expect(words.slice(6, 8)).toEqual([BigInt(proof.pi_c[0]), BigInt(proof.pi_c[1])])
    expect(calldata.publicInputs).toEqual(vector.expected.publicSignals)
    // and the bytes decode back to the package's proof (what the auditor reads from a settle transaction)
    expect(getProofSystem('groth16').proofOfCalldata(calldata.proof)).toEqual(pkg.proof)
  })

  it('refuses a version 1 package naming its version, an unknown system, a malformed id, and a key of another setup', async () => {
    expect(keys.circuitId).toBe(getProofSystem('groth16').circuitId(keys.verificationKey))
    const { system: _system, ...v1 } = { ...pkg, schemaVersion: 1, circuit: { ...pkg.circuit, id: undefined } }
    expect(() => readProofPackage(v1)).toThrow(/"schemaVersion": expected 3 \(a version 1 package names no proof system .*\), got 1/)
    expect(() => readProofPackage({ ...pkg, system: 'plonk' })).toThrow(/"system": expected one of groth16, ultrahonk, got "plonk"/)
    expect(() => readProofPackage({ ...pkg, circuit: { ...pkg.circuit, id: 'attribution_d8_k8_K3' } })).toThrow(/"circuit\.id": expected a circuit id/)
    // A key of another setup of the same circuit: the ids differ, so the package is not valid for it.
    const other = structuredClone(keys.verificationKey)
    other.vk_delta_2 = structuredClone(keys.verificationKey.vk_gamma_2)
    const result = await verifyProofPackage(pkg, other)
    expect(result.valid).toBe(false)
    expect(result.reason).toMatch(/circuit id .* is not the key's/)
  })

  it('looks proof systems up by name and refuses an unknown one with the known names', () => {
    expect(getProofSystem('groth16').name).toBe('groth16')
    expect(PROOF_SYSTEM_NAMES).toEqual(['groth16', 'ultrahonk'])
    expect(() => getProofSystem('plonk')).toThrow(UnknownProofSystemError)
    expect(() => getProofSystem('plonk')).toThrow(/proof system "plonk" is not one of groth16, ultrahonk/)
    expect(getProofSystem('groth16').publicInputLayout(TINY_PARAMS)).toEqual([
      'settlementId', 'datanetRoot', 'indexRoot', 'queryCommitment', 'pool', 'threshold', 'paidLeavesHash', 'payoutSlot[0]', 'payoutSlot[1]', 'payoutSlot[2]',
    ])
    expect(getProofSystem('groth16').publicInputLayout(TINY_PARAMS, 'challenge')).toEqual(['challengeId', 'datanetRoot', 'indexRoot', 'queryCommitment', 'threshold', 'paidLeavesHash'])
  })

  it('fails in the worker with WitnessUnsatisfiedError for an input the circuit rejects', async () => {
    const slots = (witness.input.payoutSlot as bigint[]).slice()
    slots[0] += 1n << 160n
    const bad = { ...witness, input: { ...witness.input, payoutSlot: slots } }
    await expect(proveAttribution({ circuit, keys, params: TINY_PARAMS, witness: bad, queryInputHash: 1n })).rejects.toBeInstanceOf(WitnessUnsatisfiedError)
  })

  it('stops when aborted, before start and while proving', async () => {
    const params = { circuit, keys, params: TINY_PARAMS, witness, queryInputHash: 1n }
    await expect(proveAttribution({ ...params, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ProveAbortedError)
    const controller = new AbortController()
    const pending = proveAttribution({ ...params, signal: controller.signal, onProgress: (p) => p.done === 1 && controller.abort() })
    await expect(pending).rejects.toThrow(/aborted during prove/)
  })

  it('poa verify exits 0 on the package and 4 on a package claiming another pool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-verify-'))
    const good = join(dir, 'good.json')
    const bad = join(dir, 'bad.json')
    writeFileSync(good, JSON.stringify(pkg))
    writeFileSync(bad, JSON.stringify(claim((p) => void (p.pool = String(BigInt(p.pool) + 1n)))))
    const cli = (file: string) => run(process.execPath, ['cli/bin.js', '--json', 'verify', file, '--vkey', keys.vkeyPath ?? ''], { cwd: process.cwd() })
    const ok = await cli(good)
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, result: { valid: true } })
    const failed = await cli(bad).then(() => undefined, (e: any) => e)
    expect(failed?.code).toBe(4)
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, error: { code: 'PROOF_REJECTED' } })
  })

  it('proves a challenge (an omitted record above the threshold) that verifies with snarkjs, and gives the verifier\'s calldata and Solidity', async () => {
    const scenario = await challengeScenario(41, TINY_PARAMS)
    const { all, settlement, paid, byScore } = scenario
    const challengeCircuit = await compileCircuit(TINY_CHALLENGE_SPEC)
    const challengeKeys = await ensureDevKeys(challengeCircuit)
    const built = await buildChallengeInput({
      params: TINY_PARAMS, challengeId: 12345n, datanetRoot: all.datanetRoot, indexRoot: all.indexRoot, query: all.query, record: all.candidates[byScore[0].i],
      settlement: { threshold: settlement.publicInputs.threshold, paidLeavesHash: settlement.publicInputs.paidLeavesHash, paidLeaves: paid },
    })
    const proved = await proveChallenge({ circuit: challengeCircuit, keys: challengeKeys, witness: built })
    expect(proved.publicSignals).toEqual([12345n, all.datanetRoot, all.indexRoot, settlement.publicInputs.queryCommitment, settlement.publicInputs.threshold, settlement.publicInputs.paidLeavesHash])
    expect(proved.calldata.proof).toHaveLength(2 + 2 * 256)
    expect(proved.calldata.publicInputs).toEqual(proved.publicSignals)
    const system = getProofSystem('groth16')
    expect(await system.verify({ verificationKey: challengeKeys.verificationKey, proof: proved.proof, publicSignals: proved.publicSignals, keepCurve: true })).toBe(true)
    // Bound to its challenger and to the settlement's threshold and paid set.
    for (const n of [0, 4, 5]) {
      const other = proved.publicSignals.map((x, i) => (i === n ? x + 1n : x))
      expect(await system.verify({ verificationKey: challengeKeys.verificationKey, proof: proved.proof, publicSignals: other, keepCurve: true }), `signal ${n}`).toBe(false)
    }
    // A paid record cannot be challenged: the circuit refuses the witness in the worker.
    const paidRecord = all.candidates[paid[0]]
    const forged = { ...built.input, leafIndex: BigInt(paid[0]), contributor: BigInt(paidRecord.contributor), contentHash: paidRecord.contentHash, labelHash: paidRecord.labelHash, datanetSiblings: paidRecord.datanetProof.siblings.slice(), indexChildren: paidRecord.indexProof.children.map((l) => l.slice()), features: paidRecord.features.map(signedToField) }
    await expect(proveChallenge({ circuit: challengeCircuit, keys: challengeKeys, witness: { input: forged, publicSignals: built.publicSignals } })).rejects.toBeInstanceOf(WitnessUnsatisfiedError)
    // The verifier contract comes from the same generator: an IAttributionVerifier of 6 inputs with the key's id.
    const source = await system.verifierSource({ circuitName: challengeCircuit.name, keys: challengeKeys, outDir: mkdtempSync(join(tmpdir(), 'poa-challenge-verifier-')) })
    expect(source).toMatchObject({ contractName: `AttributionVerifier_${TINY_CHALLENGE_SPEC.name}`, publicInputCount: 6, circuitId: challengeKeys.circuitId })
    expect(readFileSync(source.solPath, 'utf8')).toMatch(/contract AttributionVerifier_challenge_d8_k8_K3 is IAttributionVerifier/)
  })
})
