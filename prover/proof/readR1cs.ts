import { readFile } from 'node:fs/promises'
import { PoaError } from '../errors/index.ts'

/** An r1cs file that is not what circom writes (wrong magic, version or a missing section). */
export class R1csFormatError extends PoaError {
  constructor({ path, reason }: { path: string; reason: string }) {
    super('R1CS_MALFORMED', 'BAD_INPUT', `${path}: ${reason}`, { meta: { path } })
  }
}

/** One linear combination: wire index -> coefficient (in [0, prime)). */
export type LinearCombination = ReadonlyMap<number, bigint>

export type R1cs = {
  prime: bigint
  nWires: number
  nOutputs: number
  nPublicInputs: number
  nPrivateInputs: number
  nLabels: number
  nConstraints: number
  /** Each constraint is A * B = C; present only when read with `constraints: true`. */
  constraints?: readonly (readonly [LinearCombination, LinearCombination, LinearCombination])[]
}

/**
 * Read a circom r1cs file (format v1: magic "r1cs", header section 1, constraints section 2) without
 * snarkjs, so no curve worker threads are started. Counting constraints and checking a witness
 * against them (`checkR1cs`) is then plain bigint arithmetic.
 */
export async function readR1cs(path: string, { constraints = false }: { constraints?: boolean } = {}): Promise<R1cs> {
  const bytes = await readFile(path)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.subarray(0, 4).toString('latin1') !== 'r1cs') throw new R1csFormatError({ path, reason: 'magic is not "r1cs"' })
  if (view.getUint32(4, true) !== 1) throw new R1csFormatError({ path, reason: `version ${view.getUint32(4, true)} is not 1` })
  const nSections = view.getUint32(8, true)
  const sections = new Map<number, { start: number; size: number }>()
  let pos = 12
  for (let s = 0; s < nSections; s++) {
    const type = view.getUint32(pos, true)
    const size = Number(view.getBigUint64(pos + 4, true))
    sections.set(type, { start: pos + 12, size })
    pos += 12 + size
  }
  const header = sections.get(1)
  if (!header) throw new R1csFormatError({ path, reason: 'no header section' })
  let p = header.start
  const n8 = view.getUint32(p, true)
  const readBig = (at: number): bigint => {
    let x = 0n
    for (let i = n8 - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[at + i])
    return x
  }
  const prime = readBig(p + 4)
  p += 4 + n8
  const u32 = (i: number) => view.getUint32(p + 4 * i, true)
  const result: R1cs = {
    prime,
    nWires: u32(0),
    nOutputs: u32(1),
    nPublicInputs: u32(2),
    nPrivateInputs: u32(3),
    nLabels: Number(view.getBigUint64(p + 16, true)),
    nConstraints: view.getUint32(p + 24, true),
  }
  if (!constraints) return result
  const body = sections.get(2)
  if (!body) throw new R1csFormatError({ path, reason: 'no constraints section' })
  let c = body.start
  const readLc = (): LinearCombination => {
    const n = view.getUint32(c, true)
    c += 4
    const lc = new Map<number, bigint>()
    for (let i = 0; i < n; i++) {
      lc.set(view.getUint32(c, true), readBig(c + 4))
      c += 4 + n8
    }
    return lc
  }
  const list: [LinearCombination, LinearCombination, LinearCombination][] = []
  for (let i = 0; i < result.nConstraints; i++) list.push([readLc(), readLc(), readLc()])
  return { ...result, constraints: list }
}
