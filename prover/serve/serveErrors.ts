import { PoaError, type PoaErrorCode } from '../errors/index.ts'

/**
 * The server's own failures, and the one table that maps any PoaError to an HTTP status. Every
 * JSON error the API sends is `{ ok: false, error: { code, message, meta } }`, the shape of the
 * CLI's `--json` errors, so a script reads both the same way.
 */

/** `poa serve` asked to listen beyond loopback without saying it means it. */
export class RemoteBindRefusedError extends PoaError {
  constructor({ host }: { host: string }) {
    super('SERVE_REMOTE_BIND', 'USAGE',
      `--host ${host} is not a loopback address: the dashboard signs transactions with this node's key for whoever reaches it; pass --allow-remote to listen on ${host} anyway (and put it behind your own authentication)`,
      { meta: { host } })
  }
}

/** An upload over the server's size limit (HTTP 413). */
export class UploadTooLargeError extends PoaError {
  constructor({ bytes, limit }: { bytes?: number; limit: number }) {
    const size = bytes === undefined ? 'the upload' : `the upload of ${bytes.toLocaleString('en-US')} bytes`
    super('UPLOAD_TOO_LARGE', 'BAD_INPUT', `${size} is over the limit of ${limit.toLocaleString('en-US')} bytes (split the file, or start poa serve with a larger --max-upload-bytes)`, { meta: { bytes, limit } })
  }
}

/** A request field missing or of the wrong shape, named with what was expected. */
export class ApiInputError extends PoaError {
  constructor({ field, expected, got }: { field: string; expected: string; got: unknown }) {
    super('API_INPUT', 'USAGE', `${field}: expected ${expected}, got ${JSON.stringify(got) ?? 'nothing'}`, { meta: { field, expected } })
  }
}

/** A job id the registry does not hold (HTTP 404). */
export class JobNotFoundError extends PoaError {
  constructor({ jobId }: { jobId: string }) {
    super('JOB_NOT_FOUND', 'BAD_INPUT', `no job ${jobId} on this server (jobs live as long as the server)`, { meta: { jobId } })
  }
}

const STATUS_OF_KIND: Record<PoaErrorCode, number> = { USAGE: 400, BAD_INPUT: 400, VERIFICATION_FAILED: 422, CHAIN: 502, INTERNAL: 500 }
// A contract this chain lacks yet (no settlement before the first setup job) is a state conflict, not a gateway failure.
const STATUS_OF_CODE: Record<string, number> = { UPLOAD_TOO_LARGE: 413, JOB_NOT_FOUND: 404, CHAIN_CONTRACT_NOT_DEPLOYED: 409 }

/** The HTTP status of an error: its code's when it has one of its own, else its kind's. */
export function httpStatusOf(error: PoaError): number {
  return STATUS_OF_CODE[error.code] ?? STATUS_OF_KIND[error.kind]
}

/** An error as the API and the job registry report it: PoaErrors keep code, message and meta. */
export function errorBody(error: unknown): { code: string; message: string; meta: Record<string, unknown> } {
  if (error instanceof PoaError) return error.toJSON()
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), meta: {} }
}
