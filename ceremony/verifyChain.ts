import { existsSync } from 'node:fs'
import * as snarkjs from 'snarkjs'
import { CeremonyChainInvalidError, CeremonyStateError, TranscriptInvalidError } from './errors.ts'
import { readBinFileSections, sha256File } from './files.ts'
import { resolveIn } from './layout.ts'
import { snarkjsLogger, type StepControl } from './progress.ts'
import { firstChallengeHash, readPtauRecord, readZkeyRecord, type EmbeddedContribution } from './snarkjsInternals.ts'
import { alreadyVerified, markVerified } from './stepRunner.ts'
import { checkAttestation, readTranscript, transcriptPath, ZERO_HASH, type Transcript, type TranscriptEntry } from './transcript.ts'
import { getCurve } from '../prover/proof/curve.ts'

/** What `verify` establishes about one chain, for the report a participant compares. */
export type ChainReport = {
  phase: 1 | 2
  circuit: string | null
  entries: TranscriptEntry[]
  latestFile: string
  latestSha256: string
  /** false when the latest file's sha256 was already verified on this machine and snarkjs was skipped. */
  cryptoChecked: boolean
  power?: number
}

type Located = { entry: TranscriptEntry; position: number }

function located(transcript: Transcript, phase: 1 | 2, circuit: string | null): Located[] {
  return transcript.entries.flatMap((entry, position) => (entry.phase === phase && (phase === 1 || entry.circuit === circuit) ? [{ entry, position }] : []))
}

/** Order, links and signatures of one chain of entries (no file is read). */
function checkEntries(chain: Located[], path: string, first: 'init' | 'setup', last: 'prepare' | 'finalize'): void {
  chain.forEach(({ entry, position }, i) => {
    const fail = (field: string, expected: string, got: string) => new TranscriptInvalidError({ transcript: path, entry: position, field, expected, got })
    if (entry.index !== i) throw fail('index', `${i} (entries must be in chain order)`, String(entry.index))
    const allowed = i === 0 ? [first] : i === chain.length - 1 ? ['contribute', 'beacon', last] : ['contribute', 'beacon']
    if (!allowed.includes(entry.step)) throw fail('step', allowed.join(' or '), entry.step)
    if (i > 0 && entry.previousHash !== chain[i - 1].entry.contributionHash) {
      throw fail('previousHash', `${chain[i - 1].entry.contributionHash.slice(0, 16)}... (contribution hash of index ${i - 1})`, `${entry.previousHash.slice(0, 16)}...`)
    }
    if (entry.step === last && entry.contributionHash !== entry.previousHash) throw fail('contributionHash', 'the previous contribution hash (this step adds no randomness)', entry.contributionHash.slice(0, 16))
    checkAttestation(entry, position, path)
  })
}

/** The file each entry names, where present, is byte-identical to the transcript's record. */
async function checkFiles(dir: string, chain: Located[], path: string): Promise<void> {
  for (const [i, { entry, position }] of chain.entries()) {
    const file = resolveIn(dir, entry.file)
    if (!existsSync(file)) {
      // Participants pass on only the latest file; earlier ones are vouched for by the records inside it.
      if (i === chain.length - 1) throw new CeremonyStateError({ step: 'verify', dir, reason: `the latest file ${entry.file} (entry ${position}) is missing` })
      continue
    }
    if (i === chain.length - 1) readBinFileSections(file, entry.phase === 1 ? 'ptau' : 'zkey')
    const sha = await sha256File(file)
    if (sha !== entry.fileSha256) throw new TranscriptInvalidError({ transcript: path, entry: position, field: 'fileSha256', expected: `the sha256 of ${entry.file} (${sha.slice(0, 16)}...)`, got: `${entry.fileSha256.slice(0, 16)}...` })
  }
}

/** The contribution records inside the latest file are exactly the transcript's, in order. */
function checkEmbedded(embedded: EmbeddedContribution[], chain: Located[], path: string, file: string): void {
  const listed = chain.filter(({ entry }) => entry.step === 'contribute' || entry.step === 'beacon')
  if (embedded.length !== listed.length) {
    throw new CeremonyChainInvalidError({ file, reason: `holds ${embedded.length} contributions, the transcript lists ${listed.length}` })
  }
  listed.forEach(({ entry, position }, i) => {
    const got = embedded[i]
    const fail = (field: string, expected: string, value: string) => new TranscriptInvalidError({ transcript: path, entry: position, field, expected: `${expected} (contribution #${i + 1} inside ${file})`, got: value })
    if (got.hash !== entry.contributionHash) throw fail('contributionHash', `${got.hash.slice(0, 16)}...`, `${entry.contributionHash.slice(0, 16)}...`)
    if (got.name !== entry.contributor) throw fail('contributor', JSON.stringify(got.name), JSON.stringify(entry.contributor))
    if (got.kind !== entry.step) throw fail('step', got.kind, entry.step)
    if (got.beacon && (got.beacon.hash !== entry.beacon?.hash || got.beacon.iterationsExp !== entry.beacon?.iterationsExp)) {
      throw fail('beacon', `${got.beacon.hash} 2^${got.beacon.iterationsExp}`, JSON.stringify(entry.beacon))
    }
  })
}

/**
 * Verify phase 1: transcript order, links and signatures; files against their sha256; the
 * contribution records inside the latest ptau against the transcript; then snarkjs's own
 * verification of the latest ptau (every contribution's key chain, the last one's points, and
 * the phase-2 Lagrange sections when prepared). Skips the snarkjs part for a file this machine
 * verified or produced itself unless `full` is set.
 */
export async function verifyPhase1Chain(dir: string, control: StepControl & { full?: boolean } = {}): Promise<ChainReport> {
  const transcript = readTranscript(dir)
  const path = transcriptPath(dir)
  const chain = located(transcript, 1, null)
  if (chain.length === 0) throw new CeremonyStateError({ step: 'verify', dir, reason: 'the transcript has no phase 1 entries (run `poa ceremony init <power>` first)' })
  checkEntries(chain, path, 'init', 'prepare')
  if (chain[0].entry.previousHash !== ZERO_HASH) throw new TranscriptInvalidError({ transcript: path, entry: chain[0].position, field: 'previousHash', expected: 'zeros (init starts the chain)', got: chain[0].entry.previousHash.slice(0, 16) })
  await checkFiles(dir, chain, path)
  const latest = chain[chain.length - 1].entry
  const file = resolveIn(dir, latest.file)
  const record = await readPtauRecord(file)
  if (record.power !== record.ceremonyPower) throw new CeremonyChainInvalidError({ file: latest.file, reason: `was reduced to 2^${record.power} from 2^${record.ceremonyPower}` })
  if (record.power !== chain[0].entry.power) throw new TranscriptInvalidError({ transcript: path, entry: chain[0].position, field: 'power', expected: String(record.power), got: String(chain[0].entry.power) })
  const initHash = await firstChallengeHash(await getCurve(), record.power)
  if (chain[0].entry.contributionHash !== initHash) throw new TranscriptInvalidError({ transcript: path, entry: chain[0].position, field: 'contributionHash', expected: `the first challenge hash of 2^${record.power} (${initHash.slice(0, 16)}...)`, got: chain[0].entry.contributionHash.slice(0, 16) })
  checkEmbedded(record.contributions, chain, path, latest.file)
  if ((latest.step === 'prepare') !== record.prepared) throw new CeremonyChainInvalidError({ file: latest.file, reason: latest.step === 'prepare' ? 'lacks the phase-2 sections a prepared ptau has' : 'has phase-2 sections, but the transcript says it is not prepared' })
  const skip = !control.full && (await alreadyVerified(dir, latest.file))
  if (!skip && record.contributions.length > 0) {
    const { logger, errors } = snarkjsLogger('verify', control)
    const ok = await snarkjs.powersOfTau.verify(file, logger)
    if (ok !== true) throw new CeremonyChainInvalidError({ file: latest.file, reason: `snarkjs powers-of-tau verification failed: ${errors.join('; ') || 'no reason given'}`, details: errors })
    await markVerified(dir, latest.file, latest.fileSha256)
  }
  return { phase: 1, circuit: null, entries: chain.map((c) => c.entry), latestFile: latest.file, latestSha256: latest.fileSha256, cryptoChecked: !skip, power: record.power }
}

/**
 * Verify phase 2 of one circuit: like phase 1, plus the link to the ptau the keys were derived
 * from (its sha256, and the setup's previous hash = the ptau's last contribution hash) and
 * snarkjs's check of the latest zkey against the r1cs and ptau (`zkey verify`).
 */
export async function verifyPhase2Chain(dir: string, circuit: string, control: StepControl & { full?: boolean } = {}): Promise<ChainReport> {
  const transcript = readTranscript(dir)
  const path = transcriptPath(dir)
  const chain = located(transcript, 2, circuit)
  if (chain.length === 0) throw new CeremonyStateError({ step: 'verify', dir, reason: `the transcript has no phase 2 entries for circuit "${circuit}" (run \`poa ceremony setup\` first)` })
  checkEntries(chain, path, 'setup', 'finalize')
  const setup = chain[0]
  const inputs = setup.entry.inputs
  if (!inputs) throw new TranscriptInvalidError({ transcript: path, entry: setup.position, field: 'inputs', expected: 'the r1cs and ptau the zkey came from', got: 'nothing' })
  for (const [name, stored, sha] of [['r1cs', inputs.r1cs, inputs.r1csSha256], ['ptau', inputs.ptau, inputs.ptauSha256]] as const) {
    const file = resolveIn(dir, stored)
    if (!existsSync(file)) throw new CeremonyStateError({ step: 'verify', dir, reason: `the ${name} ${stored} that circuit "${circuit}" was set up from is missing` })
    const got = await sha256File(file)
    if (got !== sha) throw new TranscriptInvalidError({ transcript: path, entry: setup.position, field: `inputs.${name}Sha256`, expected: `the sha256 of ${stored} (${got.slice(0, 16)}...)`, got: sha.slice(0, 16) })
  }
  const ptauRecord = await readPtauRecord(resolveIn(dir, inputs.ptau))
  const ptauLast = ptauRecord.contributions.at(-1)?.hash
  if (setup.entry.previousHash !== ptauLast) throw new TranscriptInvalidError({ transcript: path, entry: setup.position, field: 'previousHash', expected: `the last contribution hash of ${inputs.ptau} (${ptauLast?.slice(0, 16)}...)`, got: setup.entry.previousHash.slice(0, 16) })
  const phase1 = located(transcript, 1, null).at(-1)?.entry
  if (phase1 && phase1.step === 'prepare' && resolveIn(dir, phase1.file) === resolveIn(dir, inputs.ptau) && phase1.fileSha256 !== inputs.ptauSha256) {
    throw new TranscriptInvalidError({ transcript: path, entry: setup.position, field: 'inputs.ptauSha256', expected: `phase 1's prepared file (${phase1.fileSha256.slice(0, 16)}...)`, got: inputs.ptauSha256.slice(0, 16) })
  }
  await checkFiles(dir, chain, path)
  const latest = chain[chain.length - 1].entry
  const file = resolveIn(dir, latest.file)
  const record = await readZkeyRecord(file)
  if (record.circuitHash !== setup.entry.contributionHash) throw new TranscriptInvalidError({ transcript: path, entry: setup.position, field: 'contributionHash', expected: `the circuit hash inside ${latest.file} (${record.circuitHash.slice(0, 16)}...)`, got: setup.entry.contributionHash.slice(0, 16) })
  checkEmbedded(record.contributions, chain, path, latest.file)
  const skip = !control.full && (await alreadyVerified(dir, latest.file))
  if (!skip) {
    const { logger, errors } = snarkjsLogger('verify', control)
    const ok = await snarkjs.zKey.verifyFromR1cs(resolveIn(dir, inputs.r1cs), resolveIn(dir, inputs.ptau), file, logger)
    if (ok !== true) throw new CeremonyChainInvalidError({ file: latest.file, reason: `snarkjs zkey verification failed: ${errors.join('; ') || 'no reason given'}`, details: errors })
    await markVerified(dir, latest.file, latest.fileSha256)
  }
  return { phase: 2, circuit, entries: chain.map((c) => c.entry), latestFile: latest.file, latestSha256: latest.fileSha256, cryptoChecked: !skip }
}
