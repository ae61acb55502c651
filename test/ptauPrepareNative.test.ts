import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDevPowers, ensureDevPtau } from '../ceremony/devSetup.ts'
import { CeremonyAbortedError, CeremonyInputError, PtauPrepareInputError } from '../ceremony/errors.ts'
import { sha256File } from '../ceremony/files.ts'
import { choosePtauPrepare, preparePtau } from '../ceremony/preparePtau.ts'
import { snarkjsLogger } from '../ceremony/progress.ts'
import { releaseCurve } from '../prover/proof/curve.ts'

// Costs about 31 s here (2 shared cores, load ~4): a 2^8 dev phase 1 up to the beacon, snarkjs's
// prepare of it (~7 s), compiling ptau_prepare once (~4 s), two native prepares (~2 s each).
// A private build folder inside the repository, as ceremonyDevSetup.test.ts does.
const repoBuild = join(dirname(fileURLToPath(import.meta.url)), '..', 'build')
mkdirSync(repoBuild, { recursive: true })
const buildDir = mkdtempSync(join(repoBuild, 'native-prepare-test-'))
const work = mkdtempSync(join(buildDir, 'work-'))
let beacon: string
let snarkjsHash: string

beforeAll(async () => {
  expect((await choosePtauPrepare()).implementation).toBe('native')
  beacon = join(work, 'beacon.ptau')
  copyFileSync(await ensureDevPowers(8, undefined, { buildDir }), beacon)
  await snarkjs.powersOfTau.preparePhase2(beacon, join(work, 'snarkjs.ptau'))
  snarkjsHash = await sha256File(join(work, 'snarkjs.ptau'))
}, 600_000)
afterAll(async () => {
  await releaseCurve()
  rmSync(buildDir, { recursive: true, force: true })
})

const quiet = () => snarkjsLogger('prepare').logger

describe('native ptau prepare', () => {
  it("writes snarkjs's bytes, and the dev setup's prepare step uses it", async () => {
    const logs: string[] = []
    const final = await ensureDevPtau(8, (l) => logs.push(l), { buildDir })
    expect(logs.some((l) => /^prepare: native /.test(l))).toBe(true)
    expect(await sha256File(final)).toBe(snarkjsHash)
  })

  it('reports each of the four sections as progress', async () => {
    const seen: number[] = []
    const { logger } = snarkjsLogger('prepare', { onProgress: (p) => seen.push(p.done) })
    const ran = await preparePtau({ input: beacon, output: join(work, 'native.ptau'), logger, threads: 2 })
    expect(ran.implementation).toBe('native')
    expect(seen).toEqual([0, 1, 2, 3])
    expect(await sha256File(join(work, 'native.ptau'))).toBe(snarkjsHash)
  })

  it('names the file and section of a truncated or foreign ptau', async () => {
    const cut = join(work, 'cut.ptau')
    copyFileSync(beacon, cut)
    truncateSync(cut, 20_000) // inside section 2 (tauG1: 511 points of 64 bytes)
    await expect(preparePtau({ input: cut, output: join(work, 'o1.ptau'), logger: quiet() })).rejects.toThrow(PtauPrepareInputError)
    await expect(preparePtau({ input: cut, output: join(work, 'o1.ptau'), logger: quiet() })).rejects.toThrow(`${cut}: truncated: section 2 claims`)
    const zkeyLike = join(work, 'foreign.ptau')
    writeFileSync(zkeyLike, Buffer.concat([Buffer.from('zkey'), readFileSync(beacon).subarray(4)]))
    await expect(preparePtau({ input: zkeyLike, output: join(work, 'o2.ptau'), logger: quiet() })).rejects.toThrow(`${zkeyLike}: not a .ptau file (magic "zkey"`)
    // A prepared file's sections 12-15 are ignored, but a wrong section size is named.
    const bad = join(work, 'bad.ptau')
    const bytes = Buffer.from(readFileSync(beacon))
    bytes.writeUInt32LE(9, 12 + 12 + 36) // header power 8 -> 9: section 2 is now too small
    writeFileSync(bad, bytes)
    await expect(preparePtau({ input: bad, output: join(work, 'o3.ptau'), logger: quiet() })).rejects.toThrow(`${bad}: section 2 (tauG1) is 32704 bytes, expected 65472`)
  })

  it('stops when aborted and rejects an unknown choice', async () => {
    const control = new AbortController()
    control.abort()
    const { logger } = snarkjsLogger('prepare', { signal: control.signal })
    await expect(preparePtau({ input: beacon, output: join(work, 'o4.ptau'), logger, signal: control.signal })).rejects.toThrow(CeremonyAbortedError)
    await expect(choosePtauPrepare({ choice: 'fast' })).rejects.toThrow(CeremonyInputError)
  })
})
