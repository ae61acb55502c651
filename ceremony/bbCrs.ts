import { openSync, readSync, closeSync, readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { BN254_BASE_FIELD } from '../prover/field/index.ts'
import { join, resolve } from 'node:path'
import { withCurve } from '../prover/proof/curve.ts'
import { CRS_G2_FILE, readCrsManifest, CRS_MANIFEST_FILE, type CrsManifest } from '../prover/proof/ultrahonk/crs.ts'
import { CeremonyAbortedError, CeremonyInputError, CrsPairingCheckError } from './errors.ts'
import { readBinFileSections, sha256File, withLock, writeFileAtomic } from './files.ts'
import type { StepControl } from './progress.ts'

/**
 * Barretenberg's CRS from a snarkjs ptau. A ptau stores [tau^i]G1 in section 2 and [tau^i]G2 in
 * section 3 as affine points, each coordinate 32 bytes little-endian in Montgomery form (x*2^256
 * mod q). bb.js reads `bn254_g1.dat` (point i = [tau^i]G1 as x||y, 32-byte big-endian plain
 * integers) and `bn254_g2.dat` ([tau]G2 as x.c0||x.c1||y.c0||y.c1, big-endian). So the phase-1
 * result feeds both proof systems: one tau, no second ceremony.
 */
const Q = BN254_BASE_FIELD
const R = (1n << 256n) % Q

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n
  for (b %= Q; e > 0n; e >>= 1n, b = (b * b) % Q) if (e & 1n) r = (r * b) % Q
  return r
}
const R_INV = modPow(R, Q - 2n)

const leToBig = (buf: Uint8Array, off: number) => BigInt(`0x${Buffer.from(buf.subarray(off, off + 32)).reverse().toString('hex') || '0'}`)
const beToBig = (buf: Uint8Array, off: number) => BigInt(`0x${Buffer.from(buf.subarray(off, off + 32)).toString('hex')}`)
function bigToBe(x: bigint, out: Uint8Array, off: number): void {
  out.set(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'), off)
}
function bigToLe(x: bigint, out: Uint8Array, off: number): void {
  out.set(Buffer.from(x.toString(16).padStart(64, '0'), 'hex').reverse(), off)
}

/** Montgomery little-endian coordinates -> plain big-endian, for `count` 32-byte coordinates. */
export function lemToBe(src: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 32)
  for (let i = 0; i < count; i++) bigToBe((leToBig(src, i * 32) * R_INV) % Q, out, i * 32)
  return out
}

/** Plain big-endian -> Montgomery little-endian (the in-memory form ffjavascript's curve uses). */
export function beToLem(src: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 32)
  for (let i = 0; i < count; i++) {
    const x = beToBig(src, i * 32)
    if (x >= Q) throw new CeremonyInputError({ where: `coordinate ${i}`, value: x, expected: 'an integer below the BN254 base field modulus' })
    bigToLe((x * R) % Q, out, i * 32)
  }
  return out
}

function readSection(file: string, offset: number, length: number): Uint8Array {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(length)
    readSync(fd, buf, 0, length, offset)
    return buf
  } finally {
    closeSync(fd)
  }
}

export type ExportBbCrsParameters = {
  ptauPath: string
  outDir: string
  /** How many [tau^i]G1 points to write (bb needs circuit size + 1); default all the ptau holds, 2^(power+1) - 1. */
  points?: number
} & StepControl

export type ExportBbCrsReturnType = { g1Path: string; g2Path: string; points: number; power: number }

/** A ptau's power, its tauG1 and tauG2 sections, and [tau]G2 as bn254_g2.dat holds it. */
function readPtauPowers(ptauPath: string) {
  const { sections } = readBinFileSections(ptauPath, 'ptau')
  const header = sections.get(1)!
  const power = readSection(ptauPath, header.offset, header.size)
  const pow = Buffer.from(power).readUInt32LE(4 + Buffer.from(power).readUInt32LE(0))
  const tauG1 = sections.get(2)
  const tauG2 = sections.get(3)
  if (!tauG1 || !tauG2) throw new CeremonyInputError({ where: 'ptau', value: ptauPath, expected: 'a ptau with tauG1 (2) and tauG2 (3) sections' })
  // Point 1 of section 3 is [tau]G2 (point 0 is the generator).
  const g2 = lemToBe(readSection(ptauPath, tauG2.offset + 128, 128), 4)
  return { pow, tauG1, g2 }
}

/** Write `bn254_g1.dat` and `bn254_g2.dat` from a ptau, atomically, then pairing-check what was written. */
export async function exportBbCrs(p: ExportBbCrsParameters): Promise<ExportBbCrsReturnType> {
  const { pow, tauG1, g2 } = readPtauPowers(p.ptauPath)
  const available = tauG1.size / 64
  const points = p.points ?? available
  if (!Number.isInteger(points) || points < 2 || points > available) throw new CeremonyInputError({ where: 'points', value: points, expected: `an integer in [2, ${available}] (what the 2^${pow} ptau holds)` })
  const g1 = new Uint8Array(points * 64)
  const chunk = 4096
  for (let done = 0; done < points; done += chunk) {
    if (p.signal?.aborted) throw new CeremonyAbortedError({ step: 'export-crs' })
    const n = Math.min(chunk, points - done)
    g1.set(lemToBe(readSection(p.ptauPath, tauG1.offset + done * 64, n * 64), n * 2), done * 64)
    p.onProgress?.({ done: done + n, total: points, unit: 'G1 points' })
  }
  const g1Path = join(p.outDir, 'bn254_g1.dat')
  const g2Path = join(p.outDir, 'bn254_g2.dat')
  writeFileAtomic(g1Path, g1)
  writeFileAtomic(g2Path, g2)
  await checkBbCrs({ dir: p.outDir })
  return { g1Path, g2Path, points, power: pow }
}

export type EnsureBbCrsParameters = {
  ptauPath: string
  outDir: string
  /** Who made the powers, recorded in crs.json (the dev setup's label says INSECURE). */
  label: string
  log?: (line: string) => void
} & StepControl

export type EnsureBbCrsReturnType = { dir: string; manifest: CrsManifest; exported: boolean }

/**
 * The Barretenberg CRS of a ptau in `outDir`, exported once: a folder whose crs.json records a
 * finished export with the ptau's [tau]G2 (the same powers, whether the ptau is raw or prepared) is
 * reused as it is; otherwise every point of the ptau is exported (exportBbCrs, pairing-checked) and
 * crs.json written last, under a lock, so an interrupted export is redone and never used.
 */
export async function ensureBbCrs(p: EnsureBbCrsParameters): Promise<EnsureBbCrsReturnType> {
  const { pow, tauG1, g2 } = readPtauPowers(p.ptauPath)
  const points = tauG1.size / 64
  const reusable = () => {
    const manifest = readCrsManifest(p.outDir)
    const g2Path = join(p.outDir, CRS_G2_FILE)
    return manifest && manifest.points >= points && existsSync(g2Path) && Buffer.compare(readFileSync(g2Path), g2) === 0 ? manifest : undefined
  }
  const found = reusable()
  if (found) return { dir: p.outDir, manifest: found, exported: false }
  mkdirSync(p.outDir, { recursive: true })
  return withLock(join(p.outDir, CRS_MANIFEST_FILE), async () => {
    const again = reusable()
    if (again) return { dir: p.outDir, manifest: again, exported: false }
    // Points of another tau are about to be replaced: no manifest may vouch for them meanwhile.
    rmSync(join(p.outDir, CRS_MANIFEST_FILE), { force: true })
    p.log?.(`${p.label}: exporting the Barretenberg CRS of ${p.ptauPath} (${points} points) to ${p.outDir}`)
    await exportBbCrs({ ptauPath: p.ptauPath, outDir: p.outDir, signal: p.signal, onProgress: p.onProgress })
    const manifest: CrsManifest = { ptauPath: resolve(p.ptauPath), ptauSha256: await sha256File(p.ptauPath), power: pow, points, label: p.label }
    writeFileAtomic(join(p.outDir, CRS_MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`)
    return { dir: p.outDir, manifest, exported: true }
  }, `export the Barretenberg CRS to ${p.outDir}`)
}

export type CheckBbCrsReturnType = { points: number; checked: string[] }

/**
 * Pairing self-check of an exported CRS, read back from the .dat files: point 0 is the G1
 * generator, e([tau]G1, G2) = e(G1, [tau]G2), and e([tau^(i+1)]G1, G2) = e([tau^i]G1, [tau]G2) for
 * the first, a middle and the last consecutive pair, so a wrong byte order, a Montgomery factor
 * left in, or points from different taus all fail.
 */
export async function checkBbCrs(p: { dir: string }): Promise<CheckBbCrsReturnType> {
  const g1Path = join(p.dir, 'bn254_g1.dat')
  const g2Path = join(p.dir, 'bn254_g2.dat')
  for (const f of [g1Path, g2Path]) if (!existsSync(f)) throw new CeremonyInputError({ where: 'CRS', value: f, expected: 'an exported bn254_g1.dat / bn254_g2.dat' })
  const g1 = readFileSync(g1Path)
  const g2 = readFileSync(g2Path)
  if (g1.length % 64 !== 0 || g1.length < 128) throw new CeremonyInputError({ where: 'bn254_g1.dat size', value: g1.length, expected: 'a multiple of 64 bytes, at least 2 points' })
  if (g2.length !== 128) throw new CeremonyInputError({ where: 'bn254_g2.dat size', value: g2.length, expected: '128 bytes' })
  const points = g1.length / 64
  return withCurve(async (curve) => {
    const pointG1 = (i: number) => beToLem(g1.subarray(i * 64, i * 64 + 64), 2)
    const tauG2 = beToLem(g2, 4)
    const checked: string[] = []
    if (!curve.G1.eq(pointG1(0), curve.G1.g)) throw new CrsPairingCheckError({ file: g1Path, check: 'point 0 = G1 generator' })
    for (const i of [...new Set([0, Math.floor(points / 2) - 1, points - 2])].filter((i) => i >= 0)) {
      const name = `e([tau^${i + 1}]G1, G2) = e([tau^${i}]G1, [tau]G2)`
      const ok = await curve.pairingEq(pointG1(i + 1), curve.G2.g, curve.G1.neg(pointG1(i)), tauG2)
      if (!ok) throw new CrsPairingCheckError({ file: g1Path, check: name })
      checked.push(name)
    }
    return { points, checked }
  })
}
