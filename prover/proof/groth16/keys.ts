import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import * as snarkjs from 'snarkjs'
import { PoaError } from '../../errors/index.ts'
import { withCurve } from '../curve.ts'
import { CircuitKindError } from '../errors.ts'
import type { CircuitKeys, SetupKeysParameters } from '../proofSystem.ts'
import { groth16CircuitId } from './circuitId.ts'

/** A Groth16 key setup that cannot run: a missing input, or a circuit larger than the ptau. */
export class Groth16SetupError extends PoaError {
  constructor({ path, reason }: { path: string; reason: string }) {
    super('GROTH16_SETUP_FAILED', 'BAD_INPUT', `Groth16 setup from ${path}: ${reason}`, { meta: { path, reason } })
  }
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/**
 * Groth16 phase 2 for one circuit from a prepared powers of tau: `zKey.newZKey`, then ONE random
 * contribution (OS entropy, never stored), then the verification key. A single contributor means
 * whoever ran this could forge proofs: this is the development setup's key step; production keys
 * come from `poa ceremony` (many contributors, a signed transcript). Files are written under
 * temporary names and renamed, so an interrupted run never leaves a key that looks finished.
 */
export async function setupGroth16Keys(p: SetupKeysParameters): Promise<CircuitKeys> {
  if (!('r1csPath' in p)) throw new CircuitKindError({ system: 'groth16', circuit: p.programPath, expected: 'a circom constraint system (r1csPath), not a Noir program' })
  for (const [what, path] of [['r1cs', p.r1csPath], ['ptau', p.setupMaterialPath]] as const) {
    if (!existsSync(path)) throw new Groth16SetupError({ path, reason: `the ${what} file does not exist` })
  }
  mkdirSync(dirname(p.zkeyPath), { recursive: true })
  const [initial, contributed] = [`${p.zkeyPath}.0.tmp-${process.pid}`, `${p.zkeyPath}.1.tmp-${process.pid}`]
  try {
    await withCurve(async () => {
      const captured: string[] = []
      const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (m: string) => captured.push(m) }
      const csHash = await snarkjs.zKey.newZKey(p.r1csPath, p.setupMaterialPath, initial, logger)
      if (!(csHash instanceof Uint8Array)) {
        throw new Groth16SetupError({ path: p.setupMaterialPath, reason: `the circuit ${p.r1csPath} does not fit this ptau (snarkjs: ${captured.join('; ')})` })
      }
      await snarkjs.zKey.contribute(initial, contributed, p.contributor, randomBytes(64).toString('hex'))
      renameSync(contributed, p.zkeyPath)
      const vkey = await snarkjs.zKey.exportVerificationKey(p.zkeyPath)
      writeFileSync(`${p.vkeyPath}.tmp-${process.pid}`, JSON.stringify(vkey, null, 1))
      renameSync(`${p.vkeyPath}.tmp-${process.pid}`, p.vkeyPath)
    })
  } finally {
    rmSync(initial, { force: true })
    rmSync(contributed, { force: true })
  }
  return loadGroth16Keys({ zkeyPath: p.zkeyPath, vkeyPath: p.vkeyPath })
}

/** Read Groth16 keys from their files; `zkeyHash` (sha256 hex of the zkey) is computed when not given. */
export function loadGroth16Keys({ zkeyPath, vkeyPath, zkeyHash }: { zkeyPath: string; vkeyPath: string; zkeyHash?: string }): CircuitKeys {
  for (const path of [zkeyPath, vkeyPath]) if (!existsSync(path)) throw new Groth16SetupError({ path, reason: 'the key file does not exist' })
  const verificationKey = JSON.parse(readFileSync(vkeyPath, 'utf8'))
  if (verificationKey?.protocol !== 'groth16') throw new Groth16SetupError({ path: vkeyPath, reason: `protocol ${JSON.stringify(verificationKey?.protocol)} is not groth16` })
  return {
    system: 'groth16', zkeyPath, vkeyPath, verificationKey,
    zkeyHash: zkeyHash ?? sha256File(zkeyPath),
    circuitId: groth16CircuitId(verificationKey),
  }
}
