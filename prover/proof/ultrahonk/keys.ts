import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PoaError } from '../../errors/index.ts'
import { CircuitKindError } from '../errors.ts'
import type { CircuitKeys, Hex, SetupKeysParameters } from '../proofSystem.ts'
import { circuitSizeOf, CrsBoundBackend } from './backend.ts'
import { checkUltraHonkVerificationKey, readVkHeader, ultrahonkCircuitId, type UltraHonkVerificationKey } from './circuitId.ts'
import { CrsFolderError, readCrs, readCrsManifest, type CrsPoints } from './crs.ts'
import { readNoirProgram } from '../noir/compileNoir.ts'

/**
 * UltraHonk's keys, as two files so that CircuitKeys' paths mean what they mean for Groth16:
 *
 * - the proving key (`zkeyPath`, JSON): the program's ACIR bytecode, the first circuit size + 1
 *   points of the CRS the keys were made from, its [tau]G2, and the verification key. Like a
 *   Groth16 zkey it is all a prover needs besides the witness, and its sha256 (`zkeyHash`)
 *   identifies the statement and the setup; it holds no per-circuit secret (UltraHonk's setup is
 *   universal), so "setup" is the choice of CRS.
 * - the verification key (`vkeyPath`, JSON, `UltraHonkVerificationKey`): bb.js's vk bytes and the
 *   CRS's [tau]G2, which together decide which proofs verify and give the circuit id.
 */
export type UltraHonkProvingKey = {
  protocol: 'ultrahonk'
  transcript: 'keccak'
  /** Where the CRS came from (the dev setup says INSECURE), and who set the keys up. */
  setup: { crs: string; by: string }
  /** gzipped ACIR, base64, as noir_wasm wrote it. */
  bytecode: string
  /** sha256 (hex) of `bytecode` as a string: ties keys and program together. */
  bytecodeSha256: string
  /** Points in `g1` (circuit size + 1), base64 of points * 64 bytes. */
  points: number
  g1: string
  g2: Hex
  vk: Hex
}

/** An UltraHonk key setup or key file that cannot be used. */
export class UltraHonkKeyError extends PoaError {
  constructor({ path, reason }: { path: string; reason: string }) {
    super('ULTRAHONK_KEY_INVALID', 'BAD_INPUT', `UltraHonk keys ${path}: ${reason}`, { meta: { path, reason } })
  }
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

/** Read a proving key file (or its already read text) and check its shape. */
export function readUltraHonkProvingKey(path: string, text?: string | Uint8Array): UltraHonkProvingKey {
  if (text === undefined && !existsSync(path)) throw new UltraHonkKeyError({ path, reason: 'the proving key file does not exist' })
  const pk = JSON.parse((text ?? readFileSync(path)).toString()) as UltraHonkProvingKey
  if (pk?.protocol !== 'ultrahonk' || pk.transcript !== 'keccak') throw new UltraHonkKeyError({ path, reason: `protocol ${JSON.stringify(pk?.protocol)} / transcript ${JSON.stringify(pk?.transcript)} is not ultrahonk / keccak` })
  if (typeof pk.bytecode !== 'string' || sha256(pk.bytecode) !== pk.bytecodeSha256) throw new UltraHonkKeyError({ path, reason: 'bytecode does not match bytecodeSha256' })
  if (Buffer.from(pk.g1 ?? '', 'base64').length !== pk.points * 64) throw new UltraHonkKeyError({ path, reason: `g1 does not hold ${pk.points} points` })
  return pk
}

/** The CRS points a proving key carries, as the backend takes them. */
export function provingKeyCrs(pk: UltraHonkProvingKey, path: string): CrsPoints {
  return { g1: Buffer.from(pk.g1, 'base64'), points: pk.points, g2: Buffer.from(pk.g2.slice(2), 'hex'), source: path }
}

/** The circuit size of a compiled Noir program: gates, and the power of two it is padded to (a CRS needs that + 1 points). */
export async function ultrahonkCircuitSize(programPath: string): Promise<{ gates: number; subgroupSize: number }> {
  return circuitSizeOf(readNoirProgram(programPath).bytecode)
}

/**
 * Set up UltraHonk keys for a Noir program from a CRS folder (`setupMaterialPath`): size the
 * circuit, refuse a CRS with fewer than circuit size + 1 points, compute bb.js's verification key
 * (keccak transcript), and write both key files atomically. Deterministic: the same program and CRS
 * give the same keys and circuit id (there is no per-circuit randomness to trust).
 */
export async function setupUltraHonkKeys(p: SetupKeysParameters): Promise<CircuitKeys> {
  if (!('programPath' in p)) throw new CircuitKindError({ system: 'ultrahonk', circuit: p.r1csPath, expected: 'a Noir program (programPath), not a circom constraint system' })
  if (!existsSync(p.programPath)) throw new UltraHonkKeyError({ path: p.programPath, reason: 'the Noir program does not exist' })
  const manifest = readCrsManifest(p.setupMaterialPath)
  if (!manifest) throw new CrsFolderError({ dir: p.setupMaterialPath, reason: 'no crs.json: not a finished CRS export (ceremony/devCrs.ts ensureBbCrs writes one)' })
  const program = readNoirProgram(p.programPath)
  const crs = readCrs(p.setupMaterialPath)
  const backend = new CrsBoundBackend(program.bytecode, crs, p.programPath)
  let vk: Uint8Array
  try {
    vk = await backend.getVerificationKey({ keccak: true })
  } finally {
    await backend.destroy()
  }
  const header = readVkHeader(vk)
  const points = backend.subgroupSize + 1
  const g2 = `0x${Buffer.from(crs.g2).toString('hex')}` as Hex
  const vkHex = `0x${Buffer.from(vk).toString('hex')}` as Hex
  const verificationKey: UltraHonkVerificationKey = {
    protocol: 'ultrahonk', curve: 'bn128', transcript: 'keccak', nPublic: header.nPublic, circuitSize: header.circuitSize, vk: vkHex, g2,
  }
  const pk: UltraHonkProvingKey = {
    protocol: 'ultrahonk', transcript: 'keccak',
    setup: { crs: `${manifest.label}: powers of tau 2^${manifest.power} ${manifest.ptauPath} (sha256 ${manifest.ptauSha256})`, by: p.contributor },
    bytecode: program.bytecode, bytecodeSha256: sha256(program.bytecode),
    points, g1: Buffer.from(crs.g1.subarray(0, points * 64)).toString('base64'), g2, vk: vkHex,
  }
  p.log?.(`UltraHonk keys for ${p.programPath}: circuit size ${header.circuitSize}, ${header.nPublic} public inputs, CRS ${p.setupMaterialPath}`)
  try {
    writeAtomic(p.zkeyPath, JSON.stringify(pk))
    writeAtomic(p.vkeyPath, JSON.stringify(verificationKey, null, 1))
  } catch (error) {
    rmSync(p.zkeyPath, { force: true })
    throw error
  }
  return loadUltraHonkKeys({ zkeyPath: p.zkeyPath, vkeyPath: p.vkeyPath })
}

/**
 * Read UltraHonk keys from their files. The verification key must be the one inside the proving key
 * (same vk bytes, same [tau]G2): a mismatched pair would prove what it cannot verify.
 * `zkeyHash` (sha256 hex of the proving key file) is computed when not given.
 */
export function loadUltraHonkKeys({ zkeyPath, vkeyPath, zkeyHash }: { zkeyPath: string; vkeyPath: string; zkeyHash?: string }): CircuitKeys {
  for (const path of [zkeyPath, vkeyPath]) if (!existsSync(path)) throw new UltraHonkKeyError({ path, reason: 'the key file does not exist' })
  const verificationKey = checkUltraHonkVerificationKey(JSON.parse(readFileSync(vkeyPath, 'utf8')), vkeyPath)
  const file = readFileSync(zkeyPath)
  const pk = readUltraHonkProvingKey(zkeyPath, file)
  if (pk.vk !== verificationKey.vk || pk.g2 !== verificationKey.g2) throw new UltraHonkKeyError({ path: vkeyPath, reason: `not the verification key of the proving key ${zkeyPath}` })
  return { system: 'ultrahonk', zkeyPath, vkeyPath, verificationKey, zkeyHash: zkeyHash ?? sha256(file), circuitId: ultrahonkCircuitId(verificationKey) }
}
