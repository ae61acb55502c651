import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import * as snarkjs from 'snarkjs'
import { withCurve } from '../prover/proof/curve.ts'
import { CeremonyChainInvalidError, CeremonyInputError, CeremonyStateError } from './errors.ts'
import { readBinFileSections, sha256File, tempPathFor } from './files.ts'
import { checkBeacon, checkCircuitName, checkContributorName, phase2File, phase2Final, phase2R1cs, resolveIn, storedPath } from './layout.ts'
import type { EntropyOptions, Participant } from './phase1.ts'
import { hex, readPtauRecord } from './snarkjsInternals.ts'
import { produceArtefact, recordStep, withCeremony } from './stepRunner.ts'
import { chainOf, readTranscript, type TranscriptEntry } from './transcript.ts'
import { verifyPhase1Chain, verifyPhase2Chain } from './verifyChain.ts'

export type CircuitParticipant = Participant & { circuit: string }

const now = () => new Date().toISOString()

async function openChain(p: CircuitParticipant, step: string) {
  const chain = chainOf(readTranscript(p.dir), 2, p.circuit)
  if (chain.length === 0) throw new CeremonyStateError({ step, dir: p.dir, reason: `circuit "${p.circuit}" has no phase 2 yet (run \`poa ceremony setup\`)` })
  const last = chain[chain.length - 1]
  if (last.step === 'finalize') throw new CeremonyStateError({ step, dir: p.dir, reason: `circuit "${p.circuit}" is already finalized (${last.file})` })
  await verifyPhase2Chain(p.dir, p.circuit, p)
  return last
}

/**
 * Start phase 2 for one circuit: copy its r1cs into the ceremony folder (participants need it to
 * verify) and derive `<circuit>_0000.zkey` from the prepared ptau: this ceremony's phase 1 by
 * default, or `ptauPath` (for example an existing development ptau).
 */
export async function setupPhase2(p: CircuitParticipant & { r1csPath: string; ptauPath?: string }): Promise<TranscriptEntry> {
  checkCircuitName(p.circuit)
  checkContributorName(p.contributor)
  if (!existsSync(p.r1csPath)) throw new CeremonyInputError({ where: 'r1cs', value: p.r1csPath, expected: 'an existing .r1cs file (compile the circuit first)' })
  readBinFileSections(p.r1csPath, 'r1cs')
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const transcript = readTranscript(p.dir)
    if (chainOf(transcript, 2, p.circuit).length > 0) throw new CeremonyStateError({ step: 'setup', dir: p.dir, reason: `circuit "${p.circuit}" is already set up` })
    let ptau: string
    if (p.ptauPath === undefined) {
      const phase1 = chainOf(transcript, 1).at(-1)
      if (phase1?.step !== 'prepare') throw new CeremonyStateError({ step: 'setup', dir: p.dir, reason: 'phase 1 is not prepared here (run `poa ceremony prepare`, or pass a prepared ptau)' })
      await verifyPhase1Chain(p.dir, p)
      ptau = phase1.file
    } else {
      if (!existsSync(p.ptauPath)) throw new CeremonyInputError({ where: 'ptau', value: p.ptauPath, expected: 'an existing prepared .ptau file' })
      readBinFileSections(p.ptauPath, 'ptau')
      ptau = storedPath(p.dir, p.ptauPath)
    }
    const ptauRecord = await readPtauRecord(resolveIn(p.dir, ptau))
    if (!ptauRecord.prepared) throw new CeremonyInputError({ where: 'ptau', value: ptau, expected: 'a ptau prepared for phase 2 (`poa ceremony prepare`)' })
    const last = ptauRecord.contributions.at(-1)
    if (!last) throw new CeremonyInputError({ where: 'ptau', value: ptau, expected: 'a ptau with at least one contribution' })
    const r1cs = phase2R1cs(p.circuit)
    const r1csTmp = tempPathFor(resolveIn(p.dir, r1cs))
    mkdirSync(dirname(r1csTmp), { recursive: true })
    copyFileSync(p.r1csPath, r1csTmp)
    renameSync(r1csTmp, resolveIn(p.dir, r1cs))
    const file = phase2File(p.circuit, 0)
    const { value, sha256 } = await produceArtefact(p.dir, 'setup', file, 'zkey', p, async (tmp, logger) => {
      const captured: string[] = []
      const csHash = await snarkjs.zKey.newZKey(resolveIn(p.dir, r1cs), resolveIn(p.dir, ptau), tmp, { ...logger, error: (m: string) => captured.push(m) })
      if (!(csHash instanceof Uint8Array)) {
        throw new CeremonyInputError({ where: 'circuit', value: p.circuit, expected: `a circuit that fits the 2^${ptauRecord.power} ptau (snarkjs: ${captured.join('; ')})` })
      }
      return csHash
    })
    return recordStep(p.dir, {
      phase: 2, circuit: p.circuit, index: 0, step: 'setup', contributor: p.contributor,
      contributionHash: hex(value), previousHash: last.hash, time: now(), file, fileSha256: sha256,
      inputs: { r1cs, r1csSha256: await sha256File(resolveIn(p.dir, r1cs)), ptau, ptauSha256: await sha256File(resolveIn(p.dir, ptau)) },
    }, p.signer)
  }))
}

/** Add one phase-2 contribution (OS entropy + optional text, never stored) to the latest verified zkey. */
export async function contributePhase2(p: CircuitParticipant & EntropyOptions): Promise<TranscriptEntry> {
  checkCircuitName(p.circuit)
  checkContributorName(p.contributor)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const last = await openChain(p, 'contribute')
    const file = phase2File(p.circuit, last.index + 1)
    const entropy = randomBytes(64).toString('hex') + (p.entropyText ?? '')
    const { value, sha256 } = await produceArtefact<Uint8Array>(p.dir, 'contribute', file, 'zkey', p, (tmp, logger) =>
      snarkjs.zKey.contribute(resolveIn(p.dir, last.file), tmp, p.contributor, entropy, logger))
    return recordStep(p.dir, {
      phase: 2, circuit: p.circuit, index: last.index + 1, step: 'contribute', contributor: p.contributor,
      contributionHash: hex(value), previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}

/** Apply a public random beacon to the circuit's latest zkey. */
export async function beaconPhase2(p: CircuitParticipant & { beaconHash: string; iterationsExp: number }): Promise<TranscriptEntry> {
  checkCircuitName(p.circuit)
  checkContributorName(p.contributor)
  const beacon = checkBeacon(p.beaconHash, p.iterationsExp)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const last = await openChain(p, 'beacon')
    const file = phase2File(p.circuit, last.index + 1)
    const { value, sha256 } = await produceArtefact(p.dir, 'beacon', file, 'zkey', p, async (tmp, logger) => {
      const hash = await snarkjs.zKey.beacon(resolveIn(p.dir, last.file), tmp, p.contributor, beacon.hash, beacon.iterationsExp, logger)
      if (!(hash instanceof Uint8Array)) throw new CeremonyChainInvalidError({ file: last.file, reason: 'snarkjs refused to apply the beacon' })
      return hash
    })
    return recordStep(p.dir, {
      phase: 2, circuit: p.circuit, index: last.index + 1, step: 'beacon', contributor: p.contributor, beacon,
      contributionHash: hex(value), previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}

/**
 * Close the circuit's chain: verify the latest zkey in full against r1cs and ptau (even when this
 * machine made it) and publish it as `<circuit>_final.zkey`, the only zkey `export` accepts.
 */
export async function finalizePhase2(p: CircuitParticipant): Promise<TranscriptEntry> {
  checkCircuitName(p.circuit)
  checkContributorName(p.contributor)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const last = await openChain(p, 'finalize')
    if (last.step === 'setup') throw new CeremonyStateError({ step: 'finalize', dir: p.dir, reason: `circuit "${p.circuit}" has no contribution yet; a key nobody contributed to is not secret` })
    await verifyPhase2Chain(p.dir, p.circuit, { ...p, full: true })
    const file = phase2Final(p.circuit)
    const { sha256 } = await produceArtefact(p.dir, 'finalize', file, 'zkey', p, async (tmp) => copyFileSync(resolveIn(p.dir, last.file), tmp))
    return recordStep(p.dir, {
      phase: 2, circuit: p.circuit, index: last.index + 1, step: 'finalize', contributor: p.contributor,
      contributionHash: last.contributionHash, previousHash: last.contributionHash, time: now(), file, fileSha256: sha256,
    }, p.signer)
  }))
}
