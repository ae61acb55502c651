import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { getAddress, verifyMessage } from 'ethers'
import { AttestationInvalidError, TranscriptInvalidError } from './errors.ts'
import { writeFileAtomic } from './files.ts'

/**
 * The ceremony transcript: `transcript.json` beside the artefacts, one entry per step in order.
 * Every entry is signed (EIP-191 personal_sign) by whoever ran the step, over a text that carries
 * the contribution hash together with its position (phase, circuit, index, previous hash, file
 * sha256), so a signature cannot be moved to another place in the chain.
 */
export const TRANSCRIPT_FILE = 'transcript.json'
export const TRANSCRIPT_VERSION = 1

export type Phase1Step = 'init' | 'contribute' | 'beacon' | 'prepare'
export type Phase2Step = 'setup' | 'contribute' | 'beacon' | 'finalize'

export type TranscriptEntry = {
  phase: 1 | 2
  /** Phase 2 only: the circuit name this chain of zkeys belongs to; null in phase 1. */
  circuit: string | null
  /** Position in this phase's (or circuit's) chain: 0 for init/setup, then +1 per step. */
  index: number
  step: Phase1Step | Phase2Step
  contributor: string
  /** Checksummed Ethereum address of the signer. */
  address: string
  /**
   * snarkjs's hash for this step, 64-byte hex: init = first challenge hash, contribute/beacon =
   * the response hash (phase 1) or contribution hash (phase 2), setup = circuit hash, prepare and
   * finalize repeat the last contribution hash (they add no randomness).
   */
  contributionHash: string
  /** contributionHash of the entry before in the same chain; setup links to phase 1's prepare. */
  previousHash: string
  time: string
  /** Artefact path relative to the ceremony folder. */
  file: string
  fileSha256: string
  beacon?: { hash: string; iterationsExp: number }
  /** setup: what the zkey was derived from. */
  inputs?: { r1cs: string; r1csSha256: string; ptau: string; ptauSha256: string }
  power?: number
  signature: string
}

export type Transcript = { version: number; label: string; entries: TranscriptEntry[] }

export const ZERO_HASH = '0'.repeat(128)

/** The exact text each attestation signs (EIP-191 prefix added by signMessage/verifyMessage). */
export function attestationMessage(e: Omit<TranscriptEntry, 'signature'>): string {
  return [
    'poa ceremony attestation v1',
    `phase: ${e.phase}`,
    `circuit: ${e.circuit ?? '-'}`,
    `index: ${e.index}`,
    `step: ${e.step}`,
    `contributor: ${e.contributor}`,
    `contribution hash: ${e.contributionHash}`,
    `previous hash: ${e.previousHash}`,
    `file sha256: ${e.fileSha256}`,
  ].join('\n')
}

/** Anything that can sign an EIP-191 message: an ethers Wallet or Signer. */
export type AttestationSigner = { getAddress(): Promise<string>; signMessage(message: string): Promise<string> }

export async function signEntry(entry: Omit<TranscriptEntry, 'signature' | 'address'>, signer: AttestationSigner): Promise<TranscriptEntry> {
  const address = getAddress(await signer.getAddress())
  const unsigned = { ...entry, address }
  return { ...unsigned, signature: await signer.signMessage(attestationMessage(unsigned)) }
}

/** Recover the signer of one entry; throws AttestationInvalidError when it is not `entry.address`. */
export function checkAttestation(entry: TranscriptEntry, position: number, transcriptPath: string): void {
  let recovered: string
  try {
    recovered = verifyMessage(attestationMessage(entry), entry.signature)
  } catch (cause) {
    recovered = `nothing (malformed signature: ${(cause as Error).message.split('(')[0].trim()})`
  }
  if (recovered !== entry.address) throw new AttestationInvalidError({ transcript: transcriptPath, entry: position, expectedAddress: entry.address, recovered })
}

export function transcriptPath(dir: string): string {
  return join(dir, TRANSCRIPT_FILE)
}

const HEX128 = /^[0-9a-f]{128}$/
const HEX64 = /^[0-9a-f]{64}$/

/** Read and shape-check the transcript (a missing file is an empty ceremony). */
export function readTranscript(dir: string): Transcript {
  const path = transcriptPath(dir)
  if (!existsSync(path)) return { version: TRANSCRIPT_VERSION, label: '', entries: [] }
  let parsed: any
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new TranscriptInvalidError({ transcript: path, entry: -1, field: '(file)', expected: 'JSON', got: (cause as Error).message })
  }
  if (parsed?.version !== TRANSCRIPT_VERSION || !Array.isArray(parsed.entries)) {
    throw new TranscriptInvalidError({ transcript: path, entry: -1, field: 'version', expected: `${TRANSCRIPT_VERSION} with an entries array`, got: String(parsed?.version) })
  }
  parsed.entries.forEach((e: any, i: number) => {
    const bad = (field: string, expected: string) => new TranscriptInvalidError({ transcript: path, entry: i, field, expected, got: JSON.stringify(e?.[field]) })
    if (e.phase !== 1 && e.phase !== 2) throw bad('phase', '1 or 2')
    if (!Number.isInteger(e.index) || e.index < 0) throw bad('index', 'a non-negative integer')
    for (const f of ['contributionHash', 'previousHash'] as const) if (!HEX128.test(e[f])) throw bad(f, '128 lowercase hex digits')
    if (!HEX64.test(e.fileSha256)) throw bad('fileSha256', '64 lowercase hex digits')
    if (typeof e.file !== 'string' || e.file.includes('..')) throw bad('file', 'a path inside the ceremony folder')
    if (typeof e.signature !== 'string') throw bad('signature', 'a 65-byte hex signature')
    try {
      if (getAddress(e.address) !== e.address) throw new Error('not checksummed')
    } catch {
      throw bad('address', 'a checksummed Ethereum address')
    }
  })
  return parsed as Transcript
}

export function writeTranscript(dir: string, transcript: Transcript): void {
  writeFileAtomic(transcriptPath(dir), `${JSON.stringify(transcript, null, 2)}\n`)
}

/** The entries of one chain: phase 1, or phase 2 of one circuit, in transcript order. */
export function chainOf(transcript: Transcript, phase: 1 | 2, circuit: string | null = null): TranscriptEntry[] {
  return transcript.entries.filter((e) => e.phase === phase && (phase === 1 || e.circuit === circuit))
}
