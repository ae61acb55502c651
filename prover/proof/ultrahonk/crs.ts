import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PoaError } from '../../errors/index.ts'

/**
 * A Barretenberg CRS as poa holds it: the folder bb.js would read (`bn254_g1.dat`, point i =
 * [tau^i]G1 as x||y, 32-byte big-endian; `bn254_g2.dat`, [tau]G2), exported from one of poa's own
 * powers of tau by ceremony/bbCrs.ts. poa hands the points to Barretenberg itself
 * (`srsInitSrs`), so bb.js never looks for a CRS of its own and never downloads one.
 */
export const CRS_G1_FILE = 'bn254_g1.dat'
export const CRS_G2_FILE = 'bn254_g2.dat'
/** Written last by the CRS export: where the points came from. A folder without it is unfinished. */
export const CRS_MANIFEST_FILE = 'crs.json'

/** What a CRS folder's crs.json records. */
export type CrsManifest = {
  /** The powers of tau the points were read from, and its sha256. */
  ptauPath: string
  ptauSha256: string
  /** Its power (2^power constraints for Groth16; up to 2^(power+1) - 1 G1 points). */
  power: number
  /** G1 points in bn254_g1.dat. */
  points: number
  /** Who made the powers (the dev setup says INSECURE). */
  label: string
}

/** The points a prover or verifier hands to Barretenberg. */
export type CrsPoints = {
  /** points * 64 bytes. */
  g1: Uint8Array
  points: number
  /** 128 bytes. */
  g2: Uint8Array
  /** Where they came from, for error messages. */
  source: string
}

/** A CRS folder that is missing, unfinished or malformed. */
export class CrsFolderError extends PoaError {
  constructor({ dir, reason }: { dir: string; reason: string }) {
    super('CRS_FOLDER_INVALID', 'BAD_INPUT', `CRS folder ${dir}: ${reason}`, { meta: { dir, reason } })
  }
}

/** A circuit larger than the CRS: Barretenberg needs circuit size + 1 G1 points. */
export class CrsTooSmallError extends PoaError {
  constructor({ circuit, needed, points, source }: { circuit: string; needed: number; points: number; source: string }) {
    super('CRS_TOO_SMALL', 'BAD_INPUT', `${circuit} needs ${needed} CRS points (circuit size + 1); ${source} has ${points}`, {
      meta: { circuit, needed, points, source },
    })
  }
}

/** The manifest of a finished CRS folder, or undefined when there is none. */
export function readCrsManifest(dir: string): CrsManifest | undefined {
  const path = join(dir, CRS_MANIFEST_FILE)
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as CrsManifest
}

/** Read a CRS folder's points; checks sizes, not the pairing (ceremony/bbCrs.ts `checkBbCrs` does that at export). */
export function readCrs(dir: string): CrsPoints {
  const g1Path = join(dir, CRS_G1_FILE)
  const g2Path = join(dir, CRS_G2_FILE)
  for (const path of [g1Path, g2Path]) if (!existsSync(path)) throw new CrsFolderError({ dir, reason: `${path} does not exist` })
  const points = statSync(g1Path).size / 64
  if (!Number.isInteger(points) || points < 2) throw new CrsFolderError({ dir, reason: `${CRS_G1_FILE} is not a whole number of 64-byte points (at least 2)` })
  const g2 = readFileSync(g2Path)
  if (g2.length !== 128) throw new CrsFolderError({ dir, reason: `${CRS_G2_FILE} has ${g2.length} bytes, expected 128` })
  return { g1: readFileSync(g1Path), points, g2, source: dir }
}
