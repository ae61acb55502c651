import { copyFileSync, existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import * as snarkjs from 'snarkjs'
import type { CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { buildLayout } from '../prover/layout/index.ts'
import type { CircuitKeys } from '../prover/proof/proofSystem.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { tempPathFor, withLock } from './files.ts'
import { phase1Final } from './layout.ts'
import { beaconPhase1, contributePhase1, initPhase1, preparePhase1 } from './phase1.ts'
import { chainOf, readTranscript, transcriptPath } from './transcript.ts'

/**
 * INSECURE development trusted setup: one contributor (this machine, with OS entropy it forgets)
 * plus a fixed beacon. Good for tests and the demo only; anyone who kept the entropy could forge
 * proofs. Production keys come from `poa ceremony`. The powers of tau run the same ceremony code as
 * `poa ceremony` (signed transcript under build/ptau/dev_pot<power>/, labelled with
 * DEV_SETUP_LABEL), so it resumes after an interruption from its last finished step; each circuit's
 * keys are then the proof system's own setup from that ptau (prover/proof/groth16/keys.ts: one
 * random contribution). Every artefact is written atomically (temporary name, then rename), so an
 * interrupted run never leaves a file that looks finished.
 */
export const DEV_SETUP_LABEL = 'poa INSECURE development setup (single contributor)'

const DEV_BEACON = '0000000000000000000000000000000000000000000000000000000000000000'
const DEV_CONTRIBUTOR = 'poa dev (INSECURE, single contributor)'

export type DevSetupLog = (line: string) => void

/** Where the development setup keeps its files: `buildDir` (default `<package>/build`). */
export type DevSetupOptions = { buildDir?: string }

/** Path of the prepared (phase-2-ready) development powers of tau for 2^power constraints. */
export function devPtauPath(power: number, { buildDir }: DevSetupOptions = {}): string {
  return buildLayout(buildDir).devPtauPath(power)
}

/** The dev ceremony folder (transcript + intermediate files) behind devPtauPath(power). */
export function devCeremonyDir(power: number, { buildDir }: DevSetupOptions = {}): string {
  return buildLayout(buildDir).devCeremonyDir(power)
}

/** Publish a file under a second name without copying 100 MB when the file system allows a hard link. */
function publish(from: string, to: string): void {
  const tmp = tempPathFor(to)
  try {
    linkSync(from, tmp)
  } catch {
    copyFileSync(from, tmp)
  }
  renameSync(tmp, to)
}

/**
 * Run the dev phase 1 of 2^power in its ceremony folder up to `until` (beacon: raw powers, enough
 * for a Barretenberg CRS; prepare: ready for Groth16 phase 2), resuming after the last finished
 * step. The caller holds the lock of devPtauPath(power).
 */
async function runDevPhase1(power: number, until: 'beacon' | 'prepare', log: DevSetupLog, options: DevSetupOptions): Promise<void> {
  const dir = devCeremonyDir(power, options)
  // A throwaway key: the transcript's signatures only show the chain is intact, not who ran it.
  const who = { dir, contributor: DEV_CONTRIBUTOR, signer: Wallet.createRandom(), log }
  const done = () => chainOf(readTranscript(dir), 1).map((e) => e.step)
  try {
    done()
  } catch (error) {
    // A dev folder whose transcript cannot be read is only a cache: start it again.
    log(`${DEV_SETUP_LABEL}: discarding ${dir} (${(error as Error).message})`)
    rmSync(dir, { recursive: true, force: true })
  }
  if (done().length > 0) log(`${DEV_SETUP_LABEL}: resuming 2^${power} after ${done().join(', ')}`)
  else log(`${DEV_SETUP_LABEL}: generating powers of tau 2^${power}`)
  if (!done().includes('init')) await initPhase1({ ...who, power, label: DEV_SETUP_LABEL })
  if (!done().includes('contribute')) await contributePhase1(who)
  if (!done().includes('beacon')) await beaconPhase1({ ...who, beaconHash: DEV_BEACON, iterationsExp: 10 })
  if (until === 'prepare' && !done().includes('prepare')) await preparePhase1(who)
}

/** Generate (or reuse) a prepared development ptau of 2^power: init, one contribution, beacon, prepare. */
export async function ensureDevPtau(power: number, logLine: DevSetupLog = () => {}, options: DevSetupOptions = {}): Promise<string> {
  if (!Number.isInteger(power) || power < 8 || power > 20) throw new RangeError(`ptau power ${power} is not in [8, 20]`)
  const final = devPtauPath(power, options)
  if (existsSync(final)) return final
  return withLock(final, async (held) => {
    if (existsSync(final)) return final
    const dir = devCeremonyDir(power, options)
    const started = Date.now()
    // Waiters in other processes see the holder's last line (which step, how far).
    const log = (line: string) => {
      held.report(line)
      logLine(line)
    }
    await runDevPhase1(power, 'prepare', log, options)
    publish(join(dir, phase1Final(power)), final)
    // The intermediate ptaus are not needed once the prepared one exists (the transcript stays).
    for (const e of chainOf(readTranscript(dir), 1)) if (e.step !== 'prepare') rmSync(join(dir, e.file), { force: true })
    log(`ptau 2^${power} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return final
  }, `INSECURE dev setup: powers of tau 2^${power}`)
}

/** The dev ptau of 2^power whose powers exist now: the prepared one, else the beacon's output (raw powers), else undefined. */
export function existingDevPowers(power: number, options: DevSetupOptions = {}): string | undefined {
  const final = devPtauPath(power, options)
  if (existsSync(final)) return final
  const dir = devCeremonyDir(power, options)
  if (!existsSync(transcriptPath(dir))) return undefined
  let beacon
  try {
    beacon = chainOf(readTranscript(dir), 1).find((e) => e.step === 'beacon')
  } catch {
    // A transcript that does not read is a cache to discard (runDevPhase1 does): no usable powers.
    return undefined
  }
  return beacon && existsSync(join(dir, beacon.file)) ? join(dir, beacon.file) : undefined
}

/**
 * A dev ptau of 2^power holding its powers of tau: the prepared one or the beacon's raw output if
 * either exists, else phase 1 is run up to the beacon only (a Barretenberg CRS needs no prepare,
 * the step that takes minutes). A later ensureDevPtau(power) resumes from there with prepare.
 */
export async function ensureDevPowers(power: number, logLine: DevSetupLog = () => {}, options: DevSetupOptions = {}): Promise<string> {
  if (!Number.isInteger(power) || power < 8 || power > 20) throw new RangeError(`ptau power ${power} is not in [8, 20]`)
  const existing = existingDevPowers(power, options)
  if (existing) return existing
  return withLock(devPtauPath(power, options), async (held) => {
    const log = (line: string) => {
      held.report(line)
      logLine(line)
    }
    if (!existingDevPowers(power, options)) await runDevPhase1(power, 'beacon', log, options)
    return existingDevPowers(power, options)!
  }, `INSECURE dev setup: raw powers of tau 2^${power}`)
}

/** Smallest power p with 2^p >= constraints + public inputs + 1 (what Groth16 setup needs). */
export async function requiredPower(r1csPath: string): Promise<number> {
  const info = await snarkjs.r1cs.info(r1csPath)
  const needed = Number(info.nConstraints) + Number(info.nPubInputs) + Number(info.nOutputs) + 1
  return Math.max(8, Math.ceil(Math.log2(needed)))
}

/**
 * The power whose dev ptau a circuit's keys come from: the smallest prepared one already there that
 * is at least `required` (a 2^14 ptau serves a 2^13 circuit: the tiny challenge circuit reuses the
 * attribution circuit's instead of spending minutes preparing its own), else `required` itself.
 */
function usablePower(required: number, options: DevSetupOptions): number {
  for (let power = required; power <= 20; power++) if (existsSync(devPtauPath(power, options))) return power
  return required
}

/** Keys of the development setup: zkey, verification key, the zkey's sha256 and the circuit id over the key. */
export type DevKeys = CircuitKeys

/**
 * Groth16 keys for a compiled circuit from the development ptau (cached by the circuit's source
 * hash): the ceremony makes the ptau, the proof system (prover/proof/groth16) the circuit's keys. The keys
 * go beside the circuit; the ptau under `options.buildDir` (default `<package>/build`).
 */
export async function ensureDevKeys(circuit: CompiledCircuit, log: DevSetupLog = () => {}, options: DevSetupOptions = {}): Promise<DevKeys> {
  const system = getProofSystem('groth16')
  const zkeyPath = join(circuit.dir, `${circuit.name}.dev.zkey`)
  const vkeyPath = join(circuit.dir, `${circuit.name}.dev.vkey.json`)
  const stamp = join(circuit.dir, 'keys.sha256')
  const done = () => existsSync(stamp) && readFileSync(stamp, 'utf8').startsWith(circuit.sourceHash)
  const load = (): Promise<DevKeys> => system.loadKeys({ zkeyPath, vkeyPath, zkeyHash: readFileSync(stamp, 'utf8').split(' ')[1] })
  if (done()) return load()
  const power = usablePower(await requiredPower(circuit.r1csPath), options)
  const ptau = await ensureDevPtau(power, log, options)
  return withLock(zkeyPath, async () => {
    if (done()) return load()
    log(`${DEV_SETUP_LABEL}: Groth16 keys for ${circuit.name} (2^${power})`)
    // Written before the stamp: a run killed in between leaves no stamp, so the keys are made again.
    const keys = await system.setupKeys({ r1csPath: circuit.r1csPath, setupMaterialPath: ptau, zkeyPath, vkeyPath, contributor: DEV_CONTRIBUTOR, log })
    writeFileSync(stamp, `${circuit.sourceHash} ${keys.zkeyHash}`)
    return keys
  }, `INSECURE dev setup: Groth16 keys for ${circuit.name}`)
}
