import { beforeAll, describe, expect, it } from 'vitest'
import { FIELD_MODULUS } from '../prover/field/index.ts'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateVerifier, VerifierGenerationError } from '../prover/proof/groth16/verifierGen.ts'
import { groth16CircuitId } from '../prover/proof/groth16/circuitId.ts'
import { sameCodeBesideImmutables } from '../prover/clients/settlementSetup.ts'
import {
  CIRCUIT_NAME, K, attributionInput, buildDatanet, buildQuery, prepareTinyCircuit, proveCase, rng,
  type CircuitArtifacts,
} from './settlementFixture.ts'

let artifacts: CircuitArtifacts
let hre: any

beforeAll(async () => {
  const prepared = await prepareTinyCircuit()
  artifacts = prepared
  hre = prepared.hre
}, 1_200_000)

describe('generateVerifier', () => {
  it('writes a dynamic-array IAttributionVerifier named after the circuit, stamped with the zkey hash', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'poa-verifier-'))
    const result = await generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir })
    const text = readFileSync(result.solPath, 'utf8')
    expect(result.changed).toBe(true)
    expect(result.publicInputCount).toBe(7 + K)
    expect(result.zkeyHash).toBe(artifacts.keys.zkeyHash)
    expect(text.split('\n')[0]).toMatch(/^\/\/ SPDX-License-Identifier:/)
    expect(text).toContain(`// zkey sha256: ${artifacts.keys.zkeyHash}`)
    expect(text).toContain(`contract AttributionVerifier_${CIRCUIT_NAME} is IAttributionVerifier`)
    expect(text).toContain('function verify(bytes calldata proof, uint[] calldata _pubSignals) external view override returns (bool)')
    expect(text).toContain('import {IAttributionVerifier} from "../settlement/IAttributionVerifier.sol";')
    expect(text).toContain(`return ${artifacts.keys.circuitId};`)
    expect(result.circuitId).toBe(artifacts.keys.circuitId)
    expect(text).not.toContain('Groth16Verifier')
  })

  it('is deterministic and skips an unchanged zkey', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'poa-verifier-'))
    const first = await generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir })
    const before = statSync(first.solPath).mtimeMs
    const second = await generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir })
    expect(second.changed).toBe(false)
    expect(statSync(second.solPath).mtimeMs).toBe(before)
    const otherDir = mkdtempSync(join(tmpdir(), 'poa-verifier-'))
    const third = await generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir: otherDir })
    expect(readFileSync(third.solPath, 'utf8')).toBe(readFileSync(first.solPath, 'utf8'))
  })

  it('rejects a circuit name that is not a Solidity identifier, and a missing zkey', async () => {
    await expect(generateVerifier({ circuitName: 'attribution-d8', zkeyPath: artifacts.keys.zkeyPath })).rejects.toThrow(VerifierGenerationError)
    await expect(generateVerifier({ circuitName: 'x', zkeyPath: '/nonexistent.zkey' })).rejects.toThrow(/does not exist/)
  })

  it('identifies a circuit by keccak256 over its verification key, not by its name', () => {
    expect(artifacts.keys.circuitId).toBe(groth16CircuitId(artifacts.keys.verificationKey))
    const other = structuredClone(artifacts.keys.verificationKey)
    other.IC[1] = other.IC[2]
    expect(groth16CircuitId(other)).not.toBe(artifacts.keys.circuitId)
  })

  it('writes another contract name and import path when asked (a ceremony export)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'poa-verifier-'))
    const result = await generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir, contractName: 'Groth16Verifier_x', interfaceImport: './IAttributionVerifier.sol' })
    const text = readFileSync(result.solPath, 'utf8')
    expect(result.solPath).toBe(join(outDir, 'Groth16Verifier_x.sol'))
    expect(text).toContain('contract Groth16Verifier_x is IAttributionVerifier')
    expect(text).toContain('from "./IAttributionVerifier.sol"')
    await expect(generateVerifier({ circuitName: CIRCUIT_NAME, zkeyPath: artifacts.keys.zkeyPath, outDir, contractName: '1bad' })).rejects.toThrow(/contract name "1bad" is not a Solidity identifier/)
  })
})

describe('the generated verifier on chain', () => {
  it('accepts a real proof, returns false for an input >= r, and reverts on a wrong input count or proof length', async () => {
    const verifier = await hre.ethers.deployContract(`AttributionVerifier_${CIRCUIT_NAME}`)
    expect(await verifier.publicInputCount()).toBe(BigInt(7 + K))
    expect(await verifier.circuitId()).toBe(artifacts.keys.circuitId)
    const random = rng(5)
    const signers = await hre.ethers.getSigners()
    const data = await buildDatanet({ contributors: [signers[1].address, signers[2].address], n: 5, random })
    const query = await buildQuery(random)
    const { proof, publicInputs } = await proveCase(attributionInput({ data, query, pool: 10n ** 18n, settlementId: 77n }), artifacts)
    expect(await verifier.verify(proof, publicInputs)).toBe(true)
    const wrapped = publicInputs.map((x, i) => (i === 0 ? x + FIELD_MODULUS : x))
    expect(await verifier.verify(proof, wrapped)).toBe(false)
    const changed = publicInputs.map((x, i) => (i === 4 ? x + 1n : x))
    expect(await verifier.verify(proof, changed)).toBe(false)
    await expect(verifier.verify(proof, publicInputs.slice(1))).rejects.toThrow(/AttributionVerifierInputCount|reverted/)
    await expect(verifier.verify(`${proof}00`, publicInputs)).rejects.toThrow(/AttributionVerifierProofLength|reverted/)
  })
})

describe('sameCodeBesideImmutables (ensureSettlement keeps a deployed verifier whose only difference is its immutables)', () => {
  const compiled = '0x6080aa0000000000bb'
  it('ignores the immutable ranges and nothing else', () => {
    expect(sameCodeBesideImmutables('0x6080aa1234567890bb', compiled, [{ start: 3, length: 5 }])).toBe(true)
    expect(sameCodeBesideImmutables('0x6080aa1234567890bc', compiled, [{ start: 3, length: 5 }])).toBe(false)
    expect(sameCodeBesideImmutables('0x6080aa1234567890bb', compiled, [])).toBe(false)
    expect(sameCodeBesideImmutables('0x6080aa0000000000', compiled, [{ start: 3, length: 5 }])).toBe(false)
    expect(sameCodeBesideImmutables('0x', compiled, [])).toBe(false)
  })
})
