import { randomBytes } from 'node:crypto'
import * as snarkjs from 'snarkjs'
import { withCurve } from '../prover/proof/curve.ts'
import { CeremonyChainInvalidError, CeremonyStateError } from './errors.ts'
import { checkBeacon, checkContributorName, checkPower, phase1File, phase1Final, resolveIn } from './layout.ts'
import type { StepControl } from './progress.ts'
import { choosePtauPrepare, preparePtau } from './preparePtau.ts'
import { firstChallengeHash, hex } from './snarkjsInternals.ts'
import { produceArtefact, recordStep, withCeremony } from './stepRunner.ts'
import { chainOf, readTranscript, writeTranscript, ZERO_HASH, type AttestationSigner, type TranscriptEntry } from './transcript.ts'
import { verifyPhase1Chain } from './verifyChain.ts'

/** Who runs a step: the name written into the file and transcript, and the key that signs it. */
export type Participant = { dir: string; contributor: string; signer: AttestationSigner } & StepControl

/** Entropy for one contribution: 64 bytes from the OS plus the participant's text, handed to snarkjs and never stored. */
export type EntropyOptions = { entropyText?: string }

const now = () => new Date().toISOString()

/** The phase-1 chain so far, checked to be open for another step; verifies the latest file first. */
async function openChain(p: Participant, step: string) {
  const chain = chainOf(readTranscript(p.dir), 1)
  if (chain.length === 0) throw new CeremonyStateError({ step, dir: p.dir, reason: 'phase 1 is not initialised (run `poa ceremony init <power>`)' })
  const last = chain[chain.length - 1]
  if (last.step === 'prepare') throw new CeremonyStateError({ step, dir: p.dir, reason: `phase 1 is already prepared (${last.file}); no step can follow` })
  // Refuse to build on a file whose chain does not verify (skipped for files this machine made).
  await verifyPhase1Chain(p.dir, p)
  return { last, power: chain[0].power! }
}

/** Start a 2^power powers-of-tau chain: `phase1/pot<power>_0000.ptau` and the first transcript entry. */
export async function initPhase1(p: Participant & { power: number; label?: string }): Promise<TranscriptEntry> {
  const power = checkPower(p.power)
  checkContributorName(p.contributor)
  return withCurve((curve) => withCeremony(p.dir, p, async () => {
    const transcript = readTranscript(p.dir)
    if (chainOf(transcript, 1).length > 0) throw new CeremonyStateError({ step: 'init', dir: p.dir, reason: `phase 1 is already initialised (power ${chainOf(transcript, 1)[0].power})` })
    if (p.label !== undefined) writeTranscript(p.dir, { ...transcript, label: p.label })
    const file = phase1File(power, 0)
    const { sha256 } = await produceArtefact(p.dir, 'init', file, 'ptau', p, (tmp, logger) => snarkjs.powersOfTau.newAccumulator(curve, power, tmp, logger))
    return recordStep(p.dir, {
      phase: 1, circuit: null, index: 0, step: 'init', contributor: p.contributor, power,
      contributionHash: await firstChallengeHash(curve, power), previousHash: ZERO_HASH, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}

/** Add one contribution (fresh OS entropy + optional text) on top of the latest verified ptau. */
export async function contributePhase1(p: Participant & EntropyOptions): Promise<TranscriptEntry> {
  checkContributorName(p.contributor)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const { last, power } = await openChain(p, 'contribute')
    const file = phase1File(power, last.index + 1)
    const entropy = randomBytes(64).toString('hex') + (p.entropyText ?? '')
    const { value, sha256 } = await produceArtefact<Uint8Array>(p.dir, 'contribute', file, 'ptau', p, (tmp, logger) =>
      snarkjs.powersOfTau.contribute(resolveIn(p.dir, last.file), tmp, p.contributor, entropy, logger))
    return recordStep(p.dir, {
      phase: 1, circuit: null, index: last.index + 1, step: 'contribute', contributor: p.contributor,
      contributionHash: hex(value), previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}

/** Apply a public random beacon (e.g. a future block hash) iterated 2^iterationsExp times with sha256. */
export async function beaconPhase1(p: Participant & { beaconHash: string; iterationsExp: number }): Promise<TranscriptEntry> {
  checkContributorName(p.contributor)
  const beacon = checkBeacon(p.beaconHash, p.iterationsExp)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const { last, power } = await openChain(p, 'beacon')
    const file = phase1File(power, last.index + 1)
    const { value, sha256 } = await produceArtefact(p.dir, 'beacon', file, 'ptau', p, async (tmp, logger) => {
      const hash = await snarkjs.powersOfTau.beacon(resolveIn(p.dir, last.file), tmp, p.contributor, beacon.hash, beacon.iterationsExp, logger)
      if (!(hash instanceof Uint8Array)) throw new CeremonyChainInvalidError({ file: last.file, reason: 'snarkjs refused to apply the beacon' })
      return hash
    })
    return recordStep(p.dir, {
      phase: 1, circuit: null, index: last.index + 1, step: 'beacon', contributor: p.contributor, beacon,
      contributionHash: hex(value), previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}

/**
 * Compute the phase-2 (Lagrange basis) sections: `phase1/pot<power>_final.ptau`, the input of every
 * circuit's setup and of the Barretenberg CRS export. Natively when native/groth16 compiles (the
 * same bytes as snarkjs, so the transcript's hash does not depend on which ran), else by snarkjs
 * (minutes at 2^14), saying why.
 */
export async function preparePhase1(p: Participant): Promise<TranscriptEntry> {
  checkContributorName(p.contributor)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const { last, power } = await openChain(p, 'prepare')
    if (last.step === 'init') throw new CeremonyStateError({ step: 'prepare', dir: p.dir, reason: 'phase 1 has no contribution yet; a ptau nobody contributed to is not secret' })
    const file = phase1Final(power)
    const use = await choosePtauPrepare()
    p.log?.(use.implementation === 'native' ? `prepare: native (${use.binary})` : `prepare: snarkjs, which takes minutes (${use.reason})`)
    const { sha256 } = await produceArtefact(p.dir, 'prepare', file, 'ptau', p, (tmp, logger) =>
      preparePtau({ input: resolveIn(p.dir, last.file), output: tmp, logger, signal: p.signal, use }))
    return recordStep(p.dir, {
      phase: 1, circuit: null, index: last.index + 1, step: 'prepare', contributor: p.contributor,
      contributionHash: last.contributionHash, previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}
