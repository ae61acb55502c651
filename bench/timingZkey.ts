import { readFileSync, writeFileSync } from 'node:fs'

/**
 * A Groth16 .zkey for TIMING ONLY: the coefficient section (A and B of every constraint, plus the
 * public-input rows, as snarkjs's zkey new lays them out) comes from a real r1cs, so the QAP, NTT
 * and MSM sizes and the witness are the real circuit's; the points are a smaller real key's,
 * repeated (a 2^18 powers of tau takes snarkjs about 2 h to prepare, so the full and production keys
 * do not exist here). Both provers do the same work on it; its proofs do not verify.
 */
export function writeTimingZkey({ r1csPath, donorZkeyPath, outPath }: { r1csPath: string; donorZkeyPath: string; outPath: string }): { nVars: number; nPublic: number; domainSize: number; nConstraints: number } {
  const r1cs = readFileSync(r1csPath)
  const sections = readSections(r1cs, 'r1cs')
  const h = sections.get(1)!
  const n8 = r1cs.readUInt32LE(h)
  let p = h + 4 + n8
  const nWires = r1cs.readUInt32LE(p)
  const nOut = r1cs.readUInt32LE(p + 4)
  const nPubIn = r1cs.readUInt32LE(p + 8)
  const nConstraints = r1cs.readUInt32LE(p + 24)
  const nPublic = nOut + nPubIn
  let domainSize = 1
  while (domainSize < nConstraints + nPublic + 1) domainSize *= 2
  // Pass 1: count the A and B terms; pass 2: write them.
  const c0 = sections.get(2)!
  let nCoef = 0
  p = c0
  for (let c = 0; c < nConstraints; c++) {
    for (let m = 0; m < 3; m++) {
      const terms = r1cs.readUInt32LE(p)
      if (m < 2) nCoef += terms
      p += 4 + terms * (4 + n8)
    }
  }
  nCoef += nPublic + 1
  const coefs = Buffer.alloc(4 + nCoef * 44)
  coefs.writeUInt32LE(nCoef, 0)
  let q = 4
  p = c0
  for (let c = 0; c < nConstraints; c++) {
    for (let m = 0; m < 3; m++) {
      const terms = r1cs.readUInt32LE(p)
      p += 4
      for (let t = 0; t < terms; t++, p += 4 + n8) {
        if (m === 2) continue
        coefs.writeUInt32LE(m, q)
        coefs.writeUInt32LE(c, q + 4)
        coefs.writeUInt32LE(r1cs.readUInt32LE(p), q + 8)
        r1cs.copy(coefs, q + 12, p + 4, p + 4 + 32)
        q += 44
      }
    }
  }
  for (let s = 0; s <= nPublic; s++, q += 44) {
    coefs.writeUInt32LE(0, q)
    coefs.writeUInt32LE(nConstraints + s, q + 4)
    coefs.writeUInt32LE(s, q + 8)
    coefs[q + 12] = 1
  }
  const donor = readFileSync(donorZkeyPath)
  const d = readSections(donor, 'zkey')
  const header = Buffer.from(donor.subarray(d.get(2)!, d.get(2)! + sizeOf(donor, d.get(2)!)))
  header.writeUInt32LE(nWires, 72)
  header.writeUInt32LE(nPublic, 76)
  header.writeUInt32LE(domainSize, 80)
  const repeat = (section: number, bytesPer: number, count: number) => {
    const src = donor.subarray(d.get(section)!, d.get(section)! + sizeOf(donor, d.get(section)!))
    const out = Buffer.alloc(count * bytesPer)
    for (let i = 0; i < count; i++) src.copy(out, i * bytesPer, (i % (src.length / bytesPer)) * bytesPer, ((i % (src.length / bytesPer)) + 1) * bytesPer)
    return out
  }
  const body: [number, Buffer][] = [
    [1, Buffer.from([1, 0, 0, 0])], [2, header], [3, repeat(3, 64, nPublic + 1)], [4, coefs],
    [5, repeat(5, 64, nWires)], [6, repeat(6, 64, nWires)], [7, repeat(7, 128, nWires)], [8, repeat(8, 64, nWires - nPublic - 1)], [9, repeat(9, 64, domainSize)],
  ]
  const parts: Buffer[] = [Buffer.from('zkey'), u32(1), u32(body.length)]
  for (const [type, data] of body) {
    const sh = Buffer.alloc(12)
    sh.writeUInt32LE(type, 0)
    sh.writeBigUInt64LE(BigInt(data.length), 4)
    parts.push(sh, data)
  }
  writeFileSync(outPath, Buffer.concat(parts))
  return { nVars: nWires, nPublic, domainSize, nConstraints }
}

function u32(x: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(x, 0)
  return b
}

/** Start offset of each section's data (the first of each type). */
function readSections(b: Buffer, magic: string): Map<number, number> {
  if (b.subarray(0, 4).toString('latin1') !== magic) throw new Error(`not a ${magic} file`)
  const n = b.readUInt32LE(8)
  const out = new Map<number, number>()
  let p = 12
  for (let i = 0; i < n; i++) {
    const type = b.readUInt32LE(p)
    const size = Number(b.readBigUInt64LE(p + 4))
    if (!out.has(type)) out.set(type, p + 12)
    p += 12 + size
  }
  return out
}

function sizeOf(b: Buffer, dataStart: number): number {
  return Number(b.readBigUInt64LE(dataStart - 8))
}
