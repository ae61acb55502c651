import { PoaError } from '../prover/errors/index.ts'

/**
 * Failures of `poa ceremony`. Each names the file or transcript entry at fault and says what was
 * expected and what came in, so a participant can tell a bad download from a forged chain.
 */

/** A ceremony parameter (power, name, beacon, key, iterations) is not acceptable. */
export class CeremonyInputError extends PoaError {
  constructor({ where, value, expected }: { where: string; value: unknown; expected: string }) {
    super('CEREMONY_BAD_INPUT', 'BAD_INPUT', `${where} = ${JSON.stringify(String(value))}: expected ${expected}`, {
      meta: { where, value: String(value), expected },
    })
  }
}

/** A step was asked for out of order (contribute before init, export before finalize...). */
export class CeremonyStateError extends PoaError {
  constructor({ step, dir, reason }: { step: string; dir: string; reason: string }) {
    super('CEREMONY_OUT_OF_ORDER', 'USAGE', `ceremony ${step} in ${dir}: ${reason}`, { meta: { step, dir } })
  }
}

/** A ptau/zkey file ends before its sections say it should (a partial copy or download). */
export class CeremonyFileTruncatedError extends PoaError {
  constructor({ file, expectedBytes, gotBytes, section }: { file: string; expectedBytes: number; gotBytes: number; section?: number }) {
    const where = section === undefined ? 'its header' : `section ${section}`
    super('CEREMONY_FILE_TRUNCATED', 'VERIFICATION_FAILED',
      `${file} is truncated: ${where} needs ${expectedBytes} bytes, the file has ${gotBytes}`,
      { meta: { file, expectedBytes, gotBytes, section } })
  }
}

/** A ptau/zkey file is not what the transcript or the cryptographic chain says it must be. */
export class CeremonyChainInvalidError extends PoaError {
  constructor({ file, reason, details }: { file: string; reason: string; details?: string[] }) {
    super('CEREMONY_CHAIN_INVALID', 'VERIFICATION_FAILED', `${file}: ${reason}`, { meta: { file, reason, details: details ?? [] } })
  }
}

/** The transcript is malformed, out of order, or disagrees with the files. */
export class TranscriptInvalidError extends PoaError {
  constructor({ transcript, entry, field, expected, got }: { transcript: string; entry: number; field: string; expected: string; got: string }) {
    super('CEREMONY_TRANSCRIPT_INVALID', 'VERIFICATION_FAILED',
      `${transcript} entry ${entry} field "${field}": expected ${expected}, got ${got}`,
      { meta: { transcript, entry, field, expected, got } })
  }
}

/** An attestation's EIP-191 signature does not recover the contributor's stated address. */
export class AttestationInvalidError extends PoaError {
  constructor({ transcript, entry, expectedAddress, recovered }: { transcript: string; entry: number; expectedAddress: string; recovered: string }) {
    super('CEREMONY_ATTESTATION_INVALID', 'VERIFICATION_FAILED',
      `${transcript} entry ${entry}: attestation signature recovers ${recovered}, expected the contributor ${expectedAddress}`,
      { meta: { transcript, entry, expectedAddress, recovered } })
  }
}

/** The caller's AbortSignal fired during a step; nothing was written under the finished name. */
export class CeremonyAbortedError extends PoaError {
  constructor({ step }: { step: string }) {
    super('CEREMONY_ABORTED', 'USAGE', `ceremony ${step} was aborted; no artefact was written, the step can be run again`, { meta: { step } })
  }
}

/** The Barretenberg CRS export failed its pairing self-check (the points are not powers of one tau). */
export class CrsPairingCheckError extends PoaError {
  constructor({ file, check }: { file: string; check: string }) {
    super('CRS_PAIRING_CHECK_FAILED', 'VERIFICATION_FAILED', `${file}: pairing check ${check} does not hold`, { meta: { file, check } })
  }
}

/** The native prepare refused its input ptau: the message names the file and the section at fault. */
export class PtauPrepareInputError extends PoaError {
  constructor({ file, message }: { file: string; message: string }) {
    super('CEREMONY_PTAU_INVALID', 'BAD_INPUT', message, { meta: { file } })
  }
}

/** The native prepare failed for a reason other than its input (killed, out of memory, cannot write). */
export class PtauPrepareFailedError extends PoaError {
  constructor({ file, message }: { file: string; message: string }) {
    super('CEREMONY_PREPARE_FAILED', 'INTERNAL', message, { meta: { file } })
  }
}
