import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHarness, type CircuitHarness } from './circuitHarness.ts'
import { randomWitness } from './witnessFixture.ts'
import { TINY_PARAMS } from '../prover/proof/circuitParams.ts'
import { readR1cs, R1csFormatError } from '../prover/proof/readR1cs.ts'
import { releaseCurve } from '../prover/proof/curve.ts'

let h: CircuitHarness
beforeAll(async () => {
  h = await loadHarness()
})
afterAll(releaseCurve)

/** A .wtns file (format v2: header section 1 = n8, prime, count; section 2 = values, 32-byte LE). */
function writeWtns(path: string, witness: readonly bigint[], prime: bigint): void {
  const n8 = 32
  const header = Buffer.alloc(4 + n8 + 4)
  header.writeUInt32LE(n8, 0)
  le(prime, n8).copy(header, 4)
  header.writeUInt32LE(witness.length, 4 + n8)
  const values = Buffer.concat(witness.map((w) => le(w, n8)))
  const section = (type: number, body: Buffer) => {
    const head = Buffer.alloc(12)
    head.writeUInt32LE(type, 0)
    head.writeBigUInt64LE(BigInt(body.length), 4)
    return Buffer.concat([head, body])
  }
  const magic = Buffer.alloc(12)
  magic.write('wtns', 0, 'latin1')
  magic.writeUInt32LE(2, 4)
  magic.writeUInt32LE(2, 8)
  writeFileSync(path, Buffer.concat([magic, section(1, header), section(2, values)]))
}

function le(x: bigint, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Number((x >> BigInt(8 * i)) & 0xffn)
  return b
}

const quiet = { info() {}, warn() {}, debug() {}, error() {} }

describe('checkR1cs, the judge of tampered witnesses', () => {
  it('agrees with snarkjs wtns check on an honest and on tampered witnesses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poa-wtns-'))
    const { witness: built } = await randomWitness({ params: TINY_PARAMS, seed: 41 })
    const honest = await h.witness(built.input)
    const cases: [string, bigint[]][] = [
      ['honest', honest],
      ['remainder + 1', h.tamper(honest, { 'main.split.remainder[0]': h.read(honest, 'main.split.remainder[0]') + 1n })],
      ['sign bit flipped', h.tamper(honest, { 'main.candidates[2].positive.range.isNonNegative': 1n - h.read(honest, 'main.candidates[2].positive.range.isNonNegative') })],
      ['sibling changed', h.tamper(honest, { 'main.indexChildren[0][0][1]': 5n })],
    ]
    for (const [name, witness] of cases) {
      const file = join(dir, `${name.replace(/\W+/g, '_')}.wtns`)
      writeWtns(file, witness, h.r1cs.prime)
      const snark = await snarkjs.wtns.check(h.circuit.r1csPath, file, quiet)
      expect(h.satisfies(witness), name).toBe(snark)
      expect(snark, name).toBe(name === 'honest')
    }
  })

  it('refuses a file that is not an r1cs', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'poa-r1cs-')), 'bad.r1cs')
    writeFileSync(file, 'not an r1cs file at all')
    await expect(readR1cs(file)).rejects.toBeInstanceOf(R1csFormatError)
    await expect(readR1cs(file)).rejects.toThrow(/magic is not "r1cs"/)
  })
})
