import { PoaError } from '../errors/index.ts'

/** The Groth16 verifier said no: the proof does not match these public signals and this key. */
export class ProofRejectedError extends PoaError {
  constructor({ circuit, reason }: { circuit: string; reason: string }) {
    super('PROOF_REJECTED', 'VERIFICATION_FAILED', `proof for ${circuit} rejected: ${reason}`, { meta: { circuit, reason } })
  }
}

/** A proof package that does not follow the schema (missing field, wrong version, inconsistent signals). */
export class ProofPackageError extends PoaError {
  constructor({ field, expected, got }: { field: string; expected: string; got: unknown }) {
    super('PROOF_PACKAGE_MALFORMED', 'BAD_INPUT', `proof package field "${field}": expected ${expected}, got ${formatGot(got)}`, {
      meta: { field, expected, got: formatGot(got) },
    })
  }
}

/** Proving was cancelled through its AbortSignal (the worker thread was terminated). */
export class ProveAbortedError extends PoaError {
  constructor({ circuit, stage }: { circuit: string; stage: string }) {
    super('PROVE_ABORTED', 'INTERNAL', `proving ${circuit} was aborted during ${stage}`, { meta: { circuit, stage } })
  }
}

/** The prover worker failed (snarkjs threw, or the worker died). */
export class ProverWorkerError extends PoaError {
  constructor({ circuit, message, cause }: { circuit: string; message: string; cause?: unknown }) {
    super('PROVER_WORKER_FAILED', 'INTERNAL', `prover worker for ${circuit} failed: ${message}`, { meta: { circuit }, cause })
  }
}

/** A circuit or key of the other kind: Groth16 proves circom circuits (wasm, r1cs), UltraHonk Noir programs. */
export class CircuitKindError extends PoaError {
  constructor({ system, circuit, expected }: { system: string; circuit: string; expected: string }) {
    super('CIRCUIT_KIND_MISMATCH', 'USAGE', `proof system ${system} cannot take ${circuit}: expected ${expected}`, { meta: { system, circuit, expected } })
  }
}

function formatGot(got: unknown): string {
  if (got === undefined) return 'nothing'
  const text = typeof got === 'bigint' ? got.toString() : JSON.stringify(got)
  return text === undefined ? String(got) : text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** The native Groth16 prover rejected a .zkey or .wtns: the message names the file and the section. */
export class NativeProverInputError extends PoaError {
  constructor({ file, message }: { file: string; message: string }) {
    super('NATIVE_PROVER_BAD_INPUT', 'BAD_INPUT', message, { meta: { file } })
  }
}

/** POA_PROVER=native, but the native prover cannot be built or loaded here (the reason says why). */
export class NativeProverUnavailableError extends PoaError {
  constructor({ reason }: { reason: string }) {
    super('NATIVE_PROVER_UNAVAILABLE', 'USAGE', `POA_PROVER=native but the native Groth16 prover is unavailable: ${reason}`, { meta: { reason } })
  }
}

/** POA_PROVER holds something other than native, snarkjs or auto. */
export class ProverChoiceError extends PoaError {
  constructor({ value }: { value: string }) {
    super('PROVER_CHOICE_INVALID', 'USAGE', `POA_PROVER="${value}": expected native, snarkjs or auto`, { meta: { value } })
  }
}

/** A circuit input the witness generators cannot read: the message names the signal and what is wrong with it. */
export class WitnessInputError extends PoaError {
  constructor({ circuit, signal, reason }: { circuit: string; signal?: string; reason: string }) {
    super('WITNESS_INPUT_MALFORMED', 'BAD_INPUT', `input of circuit ${circuit}: ${signal === undefined ? '' : `signal ${signal}: `}${reason}`, { meta: { circuit, signal, reason } })
  }
}

/** POA_WITNESS=native, but the circuit's native witness generator cannot be built here (the reason says why). */
export class NativeWitnessUnavailableError extends PoaError {
  constructor({ circuit, reason }: { circuit: string; reason: string }) {
    super('NATIVE_WITNESS_UNAVAILABLE', 'USAGE', `POA_WITNESS=native but the native witness generator of ${circuit} is unavailable: ${reason}`, { meta: { circuit, reason } })
  }
}

/** POA_WITNESS holds something other than native, wasm or auto. */
export class WitnessChoiceError extends PoaError {
  constructor({ value }: { value: string }) {
    super('WITNESS_CHOICE_INVALID', 'USAGE', `POA_WITNESS="${value}": expected native, wasm or auto`, { meta: { value } })
  }
}
