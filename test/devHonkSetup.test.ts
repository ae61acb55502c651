// The INSECURE dev CRS of UltraHonk (ceremony/devHonkSetup.ts) where build/ has no dev ptau large
// enough: phase 1 runs only up to the beacon (a Barretenberg CRS needs the raw powers, not the
// prepare step that takes minutes), the CRS is exported once and reused. A fresh build folder at
// 2^8, so it runs in seconds and touches nothing under build/.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureDevCrs } from '../ceremony/devHonkSetup.ts'
import { ensureDevPowers, ensureDevPtau } from '../ceremony/devSetup.ts'
import { chainOf, readTranscript } from '../ceremony/transcript.ts'
import { buildLayout } from '../prover/layout/index.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { readCrs } from '../prover/proof/ultrahonk/crs.ts'

afterAll(async () => {
  // ensureDevPtau's prepare and the CRS pairing check run on snarkjs's curve.
  await releaseCurve()
})

describe('a dev CRS where no dev ptau is large enough', () => {
  it('makes only the raw powers (no prepare), exports them once and reuses the export', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'poa-devcrs-'))
    const first = await ensureDevCrs({ points: 300, buildDir })
    expect(first.exported).toBe(true)
    expect(first.manifest.power).toBe(8)
    expect(first.manifest.points).toBe(511)
    expect(first.manifest.label).toMatch(/INSECURE/)
    expect(chainOf(readTranscript(buildLayout(buildDir).devCeremonyDir(8)), 1).map((e) => e.step)).toEqual(['init', 'contribute', 'beacon'])
    const again = await ensureDevCrs({ points: 300, buildDir })
    expect(again.exported).toBe(false)
    expect(again.dir).toBe(first.dir)
    // The raw powers stay where the transcript says, for a later ensureDevPtau(8) to prepare.
    expect(await ensureDevPowers(8, () => {}, { buildDir })).toBe(join(buildLayout(buildDir).devCeremonyDir(8), 'phase1', 'pot8_0002.ptau'))
    expect(readCrs(first.dir).points).toBe(511)
  })

  it('lets Groth16 prepare those powers later without redoing them, and keeps the CRS (same tau)', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'poa-devcrs-'))
    const crs = await ensureDevCrs({ points: 300, buildDir })
    const steps = () => chainOf(readTranscript(buildLayout(buildDir).devCeremonyDir(8)), 1)
    const contribution = steps()[1].contributionHash
    expect(await ensureDevPtau(8, () => {}, { buildDir })).toBe(buildLayout(buildDir).devPtauPath(8))
    expect(steps().map((e) => e.step)).toEqual(['init', 'contribute', 'beacon', 'prepare'])
    expect(steps()[1].contributionHash).toBe(contribution)
    // The prepared ptau is now the source of the powers; its [tau]G2 is the exported one, so no new export.
    const again = await ensureDevCrs({ points: 300, buildDir })
    expect(again.exported).toBe(false)
    expect(again.manifest).toEqual(crs.manifest)
  })
})

