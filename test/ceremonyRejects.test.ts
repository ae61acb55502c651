import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, readSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Wallet } from 'ethers'
import {
  AttestationInvalidError, CeremonyAbortedError, CeremonyChainInvalidError, CeremonyFileTruncatedError, CeremonyInputError,
  CeremonyStateError, TranscriptInvalidError, attestationMessage, beaconPhase1, contributePhase1, contributePhase2, exportCircuit,
  initPhase1, preparePhase1, readBinFileSections, readTranscript, setupPhase2, signEntry, verifyCeremony, writeTranscript,
  type AttestationSigner, type TranscriptEntry,
} from '../ceremony/index.ts'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { releaseCurve } from '../prover/proof/curve.ts'

// One honest ceremony is built once; each case copies it to a fresh folder (without state.json, so
// every cryptographic check runs as on a participant's machine) and damages the copy.
const root = mkdtempSync(join(tmpdir(), 'poa-ceremony-rejects-'))
const coord = Wallet.createRandom()
const alice = Wallet.createRandom()
const bob = Wallet.createRandom()
const phase1Dir = join(root, 'phase1')   // init, alice, bob: open for more contributions
const fullDir = join(root, 'full')       // ... beacon, prepare, setup, alice in phase 2
let circuit: CompiledCircuit
let copies = 0

function copyOf(dir: string): string {
  const to = join(root, `case-${copies++}`)
  cpSync(dir, to, { recursive: true })
  rmSync(join(to, 'state.json'), { force: true })
  return to
}

/** Overwrite `length` bytes of a file at `offset` with bytes read from `from`. */
function overwrite(file: string, offset: number, from: number, length: number): void {
  const fd = openSync(file, 'r+')
  const buf = Buffer.alloc(length)
  readSync(fd, buf, 0, length, from)
  writeSync(fd, buf, 0, length, offset)
  closeSync(fd)
}

/** The last contributor re-signs a rewritten entry with their own key (what a dishonest one can do). */
async function resign(dir: string, position: number, signer: AttestationSigner, change: Partial<TranscriptEntry>): Promise<void> {
  const t = readTranscript(dir)
  const { signature: _s, address: _a, ...rest } = { ...t.entries[position], ...change }
  t.entries[position] = await signEntry(rest, signer)
  writeTranscript(dir, t)
}

const sha256 = async (file: string) => (await import('../ceremony/files.ts')).sha256File(file)

beforeAll(async () => {
  circuit = await compileCircuit({ name: 'ceremony_multiplier', source: 'circuits/test/ceremonyMultiplier.circom', template: 'CeremonyMultiplier', params: [], publicInputs: ['product', 'b2'] })
  await initPhase1({ dir: phase1Dir, power: 8, contributor: 'coord', signer: coord })
  await contributePhase1({ dir: phase1Dir, contributor: 'alice', signer: alice })
  await contributePhase1({ dir: phase1Dir, contributor: 'bob', signer: bob })
  cpSync(phase1Dir, fullDir, { recursive: true })
  await beaconPhase1({ dir: fullDir, contributor: 'beacon', signer: coord, beaconHash: '12'.repeat(32), iterationsExp: 10 })
  await preparePhase1({ dir: fullDir, contributor: 'coord', signer: coord })
  await setupPhase2({ dir: fullDir, circuit: 'mul', r1csPath: circuit.r1csPath, contributor: 'coord', signer: coord })
  await contributePhase2({ dir: fullDir, circuit: 'mul', contributor: 'alice', signer: alice })
})
afterAll(async () => {
  await releaseCurve()
  rmSync(root, { recursive: true, force: true })
})

describe('ceremony verification rejects', () => {
  it('a phase-1 contribution whose points were tampered with, even when its author re-signed the new sha256', async () => {
    const dir = copyOf(phase1Dir)
    const file = join(dir, 'phase1/pot8_0002.ptau')
    const tauG1 = readBinFileSections(file, 'ptau').sections.get(2)!
    overwrite(file, tauG1.offset + 64 * 5, tauG1.offset + 64 * 6, 64) // [tau^5]G1 := [tau^6]G1, a valid point
    await resign(dir, 2, bob, { fileSha256: await sha256(file) })
    await expect(verifyCeremony({ dir })).rejects.toThrow(CeremonyChainInvalidError)
    await expect(verifyCeremony({ dir })).rejects.toThrow(/pot8_0002\.ptau: snarkjs powers-of-tau verification failed/)
    // The next participant refuses to build on it and writes nothing.
    await expect(contributePhase1({ dir, contributor: 'carol', signer: Wallet.createRandom() })).rejects.toThrow(CeremonyChainInvalidError)
    expect(existsSync(join(dir, 'phase1/pot8_0003.ptau'))).toBe(false)
    expect(readTranscript(dir).entries).toHaveLength(3)
  })

  it('a ptau changed after its entry was signed', async () => {
    const dir = copyOf(phase1Dir)
    const file = join(dir, 'phase1/pot8_0002.ptau')
    const tauG1 = readBinFileSections(file, 'ptau').sections.get(2)!
    overwrite(file, tauG1.offset + 64 * 5, tauG1.offset + 64 * 6, 64)
    const error = await verifyCeremony({ dir }).catch((e) => e)
    expect(error).toBeInstanceOf(TranscriptInvalidError)
    expect(error.meta).toMatchObject({ entry: 2, field: 'fileSha256' })
  })

  it('a reordered transcript, with or without renumbered indices', async () => {
    const dir = copyOf(phase1Dir)
    const t = readTranscript(dir)
    ;[t.entries[1], t.entries[2]] = [t.entries[2], t.entries[1]]
    writeTranscript(dir, t)
    const swapped = await verifyCeremony({ dir }).catch((e) => e)
    expect(swapped).toBeInstanceOf(TranscriptInvalidError)
    expect(swapped.message).toMatch(/entry 1 field "index": expected 1/)

    t.entries[1] = { ...t.entries[1], index: 1 }
    t.entries[2] = { ...t.entries[2], index: 2 }
    writeTranscript(dir, t)
    const renumbered = await verifyCeremony({ dir }).catch((e) => e)
    expect(renumbered).toBeInstanceOf(TranscriptInvalidError)
    expect(renumbered.meta.field).toBe('previousHash')
  })

  it('a forged attestation: a signature by another key, or an entry edited after signing', async () => {
    const dir = copyOf(phase1Dir)
    const t = readTranscript(dir)
    const forger = Wallet.createRandom()
    const { signature: _s, ...unsigned } = t.entries[1]
    t.entries[1] = { ...t.entries[1], signature: await forger.signMessage(attestationMessage(unsigned)) }
    writeTranscript(dir, t)
    const forged = await verifyCeremony({ dir }).catch((e) => e)
    expect(forged).toBeInstanceOf(AttestationInvalidError)
    expect(forged.message).toContain(forger.address)
    expect(forged.message).toContain(alice.address)

    const edited = copyOf(phase1Dir)
    const t2 = readTranscript(edited)
    t2.entries[1] = { ...t2.entries[1], time: '2020-01-01T00:00:00.000Z', contributor: 'mallory' }
    writeTranscript(edited, t2)
    await expect(verifyCeremony({ dir: edited })).rejects.toThrow(AttestationInvalidError)
  })

  it('a contributor name that differs from the one inside the file, even re-signed', async () => {
    const dir = copyOf(phase1Dir)
    await resign(dir, 2, bob, { contributor: 'not bob' })
    const error = await verifyCeremony({ dir }).catch((e) => e)
    expect(error).toBeInstanceOf(TranscriptInvalidError)
    expect(error.meta.field).toBe('contributor')
  })

  it('a truncated ptau or zkey, naming the file and the missing bytes', async () => {
    const dir = copyOf(phase1Dir)
    const file = join(dir, 'phase1/pot8_0002.ptau')
    const size = readFileSync(file).length
    truncateSync(file, size - 1000)
    const error = await verifyCeremony({ dir }).catch((e) => e)
    expect(error).toBeInstanceOf(CeremonyFileTruncatedError)
    expect(error.message).toMatch(/pot8_0002\.ptau is truncated: section \d+ needs \d+ bytes, the file has \d+/)
    await expect(contributePhase1({ dir, contributor: 'carol', signer: alice })).rejects.toThrow(CeremonyFileTruncatedError)

    const full = copyOf(fullDir)
    const zkey = join(full, 'phase2/mul/mul_0001.zkey')
    truncateSync(zkey, readFileSync(zkey).length - 10)
    await expect(contributePhase2({ dir: full, circuit: 'mul', contributor: 'bob', signer: bob })).rejects.toThrow(CeremonyFileTruncatedError)
  })

  it('a tampered phase-2 zkey re-signed by its author, and a swapped ptau under a set-up circuit', async () => {
    const dir = copyOf(fullDir)
    const zkey = join(dir, 'phase2/mul/mul_0001.zkey')
    const h = readBinFileSections(zkey, 'zkey').sections.get(9)!
    overwrite(zkey, h.offset, h.offset + 64, 64)
    await resign(dir, 6, alice, { fileSha256: await sha256(zkey) })
    await expect(contributePhase2({ dir, circuit: 'mul', contributor: 'bob', signer: bob })).rejects.toThrow(/mul_0001\.zkey: snarkjs zkey verification failed/)

    const other = copyOf(fullDir)
    cpSync(join(phase1Dir, 'phase1/pot8_0002.ptau'), join(other, 'phase1/pot8_final.ptau'))
    const error = await verifyCeremony({ dir: other }).catch((e) => e)
    expect(error).toBeInstanceOf(TranscriptInvalidError)
  })
})

describe('ceremony steps', () => {
  it('reject bad parameters with the input named', async () => {
    const dir = join(root, 'bad-inputs')
    const base = { dir, contributor: 'x', signer: alice }
    for (const power of [0, 29, 2.5]) await expect(initPhase1({ ...base, power })).rejects.toThrow(/power = "[\d.]+": expected an integer in \[1, 28\]/)
    await expect(initPhase1({ ...base, power: 8, contributor: '' })).rejects.toThrow(CeremonyInputError)
    await expect(initPhase1({ ...base, power: 8, contributor: 'é'.repeat(33) })).rejects.toThrow(/contributor name/)
    await expect(contributePhase1(base)).rejects.toThrow(CeremonyStateError)
    await expect(beaconPhase1({ ...base, dir: copyOf(phase1Dir), beaconHash: 'xyz', iterationsExp: 10 })).rejects.toThrow(/beacon hash/)
    await expect(beaconPhase1({ ...base, dir: copyOf(phase1Dir), beaconHash: 'ab', iterationsExp: 9 })).rejects.toThrow(/iterations exponent/)
    await expect(setupPhase2({ ...base, circuit: 'a/b', r1csPath: circuit.r1csPath })).rejects.toThrow(/circuit = "a\/b"/)
    await expect(setupPhase2({ ...base, circuit: 'mul', r1csPath: join(root, 'missing.r1cs') })).rejects.toThrow(/r1cs/)
    await expect(setupPhase2({ ...base, dir: copyOf(phase1Dir), circuit: 'mul', r1csPath: circuit.r1csPath })).rejects.toThrow(/phase 1 is not prepared/)
    await expect(exportCircuit({ dir: copyOf(fullDir), circuit: 'mul' })).rejects.toThrow(/not finalized/)
    const init = join(root, 'init-only')
    await initPhase1({ ...base, dir: init, power: 8 })
    await expect(initPhase1({ ...base, dir: init, power: 8 })).rejects.toThrow(/already initialised/)
    await expect(preparePhase1({ ...base, dir: init })).rejects.toThrow(/no contribution yet/)
  })

  it('refuse a circuit too large for the ptau', async () => {
    const big = await compileCircuit({ name: 'datanet_inclusion_d2', source: 'circuits/test/datanetInclusion.circom', template: 'DatanetInclusion', params: [2], publicInputs: ['root'] })
    const dir = copyOf(fullDir)
    await expect(setupPhase2({ dir, circuit: 'big', r1csPath: big.r1csPath, contributor: 'coord', signer: coord })).rejects.toThrow(/fits the 2\^8 ptau/)
    expect(readdirSync(join(dir, 'phase2/big')).filter((f) => f.endsWith('.zkey'))).toEqual([])
  })

  it('resume after an interrupted step: the half-written file goes, finished contributions stay', async () => {
    const dir = copyOf(phase1Dir)
    writeFileSync(join(dir, 'phase1/pot8_0003.ptau.tmp-1-x'), 'half a file')
    writeFileSync(join(dir, 'phase1/pot8_0003.ptau'), 'renamed but never recorded')
    writeFileSync(join(dir, 'state.json'), JSON.stringify({
      inProgress: { step: 'contribute', output: 'phase1/pot8_0003.ptau', tmp: 'phase1/pot8_0003.ptau.tmp-1-x', pid: 1, startedAt: '2026-01-01T00:00:00Z' }, verified: {},
    }))
    const logs: string[] = []
    const entry = await contributePhase1({ dir, contributor: 'carol', signer: bob, log: (l) => logs.push(l) })
    expect(logs.some((l) => l.startsWith('resuming: the interrupted contribute'))).toBe(true)
    expect(entry.index).toBe(3)
    expect(existsSync(join(dir, 'phase1/pot8_0003.ptau.tmp-1-x'))).toBe(false)
    expect(readTranscript(dir).entries.map((e) => e.contributor)).toEqual(['coord', 'alice', 'bob', 'carol'])
    await verifyCeremony({ dir, full: true })
  })

  it('abort through the AbortSignal without leaving a file, then run again', async () => {
    const dir = copyOf(phase1Dir)
    const controller = new AbortController()
    await expect(contributePhase1({ dir, contributor: 'carol', signer: bob, signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow(CeremonyAbortedError)
    expect(readdirSync(join(dir, 'phase1')).sort()).toEqual(['pot8_0000.ptau', 'pot8_0001.ptau', 'pot8_0002.ptau'])
    expect(readTranscript(dir).entries).toHaveLength(3)
    expect((await contributePhase1({ dir, contributor: 'carol', signer: bob })).index).toBe(3)
  })
})
