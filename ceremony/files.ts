import { createHash } from 'node:crypto'
import { createReadStream, mkdirSync, openSync, closeSync, readSync, renameSync, writeFileSync, fstatSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { withOwnedLock, type HeldLock } from '../prover/lock/index.ts'
import { CeremonyFileTruncatedError, CeremonyChainInvalidError } from './errors.ts'

/** sha256 of a file, streamed (ptau files reach hundreds of MB). Hex, no 0x. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** A temporary name beside `path`: same folder (so rename is atomic), unique per process. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}`
}

/** Write text so that readers see either the old file or the whole new one, never a prefix. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = tempPathFor(path)
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

/**
 * Wait for, or take, the lock `<path>.lock` so two processes never run a step on the same ceremony
 * (or build the same cached artefact) at once. The lock records its holder (pid, start time,
 * purpose): a lock left by a dead process is taken over at once, and a waiter says every 10 s who
 * it waits for and the holder's last progress line (`held.report`).
 */
export async function withLock<T>(path: string, work: (held: HeldLock) => Promise<T>, purpose = `ceremony step on ${basename(path)}`): Promise<T> {
  return withOwnedLock(`${path}.lock`, { purpose }, work)
}

export type BinFileSections = { type: string; version: number; sections: Map<number, { offset: number; size: number }> }

/**
 * Read the section table of an iden3 binary file (ptau, zkey, r1cs: 4-byte magic, u32 version,
 * u32 section count, then per section u32 id + u64 size + data, all little-endian) and check that
 * every section lies inside the file. snarkjs would otherwise fail deep inside a read with a bare
 * "Invalid pointer" on a partial copy; this names the file and the missing bytes.
 */
export function readBinFileSections(file: string, expectedType: 'ptau' | 'zkey' | 'r1cs'): BinFileSections {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const head = Buffer.alloc(12)
    if (readSync(fd, head, 0, 12, 0) < 12) throw new CeremonyFileTruncatedError({ file, expectedBytes: 12, gotBytes: size })
    const type = head.subarray(0, 4).toString('latin1')
    if (type !== expectedType) throw new CeremonyChainInvalidError({ file, reason: `is not a ${expectedType} file (magic "${type}")` })
    const version = head.readUInt32LE(4)
    const count = head.readUInt32LE(8)
    const sections = new Map<number, { offset: number; size: number }>()
    let pos = 12
    const entry = Buffer.alloc(12)
    for (let i = 0; i < count; i++) {
      if (readSync(fd, entry, 0, 12, pos) < 12) throw new CeremonyFileTruncatedError({ file, expectedBytes: pos + 12, gotBytes: size })
      const id = entry.readUInt32LE(0)
      const length = Number(entry.readBigUInt64LE(4))
      const offset = pos + 12
      if (offset + length > size) throw new CeremonyFileTruncatedError({ file, expectedBytes: offset + length, gotBytes: size, section: id })
      sections.set(id, { offset, size: length })
      pos = offset + length
    }
    if (pos !== size) throw new CeremonyChainInvalidError({ file, reason: `has ${size - pos} bytes after its last section (expected ${pos} bytes in all)` })
    return { type, version, sections }
  } finally {
    closeSync(fd)
  }
}
