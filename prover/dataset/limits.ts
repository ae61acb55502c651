import { DatasetParameterError } from './errors.ts'

/**
 * Input limits of an import, checked before anything is written. Defaults suit Datanets of documents
 * (a long article or a contract is well under 1 MiB of text; a record past that is more likely a
 * mistake, such as a whole dump in one field, than a document), and keep an import within memory:
 * the whole file is validated and hashed before one transaction writes it.
 */
export type RecordLimits = {
  /** Largest content of one record, in bytes (UTF-8 bytes for text). */
  maxRecordBytes: number
  /** Largest import file, in bytes. */
  maxImportBytes: number
  /** Most bad records listed in one rejection (all are counted). */
  maxReportedErrors: number
}

export const DEFAULT_RECORD_LIMITS: Readonly<RecordLimits> = Object.freeze({
  maxRecordBytes: 1024 * 1024,
  maxImportBytes: 256 * 1024 * 1024,
  maxReportedErrors: 100,
})

/** Fill in defaults and refuse a limit that is not a positive safe integer, naming it. */
export function resolveRecordLimits(limits: Partial<RecordLimits> = {}): RecordLimits {
  const out = { ...DEFAULT_RECORD_LIMITS, ...limits }
  for (const name of Object.keys(DEFAULT_RECORD_LIMITS) as (keyof RecordLimits)[]) {
    const value = out[name]
    if (!Number.isSafeInteger(value) || value < 1) throw new DatasetParameterError({ name, value, expected: 'a positive integer' })
  }
  return out
}
