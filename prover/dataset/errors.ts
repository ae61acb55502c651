import { PoaError } from '../errors/index.ts'

/** Where a record came from: `file:line` for imports, or a datanet position for stored records. */
export type RecordSource = { file: string; line: number }

export function formatSource(source: RecordSource): string {
  return `${source.file}:${source.line}`
}

/**
 * A record in an import file is malformed: bad JSON, a missing or mistyped field, a bad address.
 * The message names file:line and the field, then what was expected and what came in.
 */
export class RecordMalformedError extends PoaError {
  constructor({ source, field, reason, value, cause }: { source: RecordSource; field?: string; reason: string; value?: unknown; cause?: unknown }) {
    const where = field === undefined ? formatSource(source) : `${formatSource(source)} field "${field}"`
    super('RECORD_MALFORMED', 'BAD_INPUT', `${where}: ${reason}`, {
      meta: { file: source.file, line: source.line, field, value },
      cause,
    })
  }
}

/** An import file cannot be read at all (missing, unknown format). */
export class RecordFileError extends PoaError {
  constructor({ file, reason, cause }: { file: string; reason: string; cause?: unknown }) {
    super('RECORD_FILE_UNREADABLE', 'BAD_INPUT', `${file}: ${reason}`, { meta: { file }, cause })
  }
}

/**
 * The same record (same contributor and content hash) appears twice: twice in one file, or once in
 * the file and once already in the datanet. Both places are named, so the user can drop one.
 */
export class DuplicateRecordError extends PoaError {
  constructor({ contributor, contentHash, first, second }: { contributor: string; contentHash: bigint; first: string; second: string }) {
    super(
      'DUPLICATE_RECORD',
      'BAD_INPUT',
      `${second}: duplicate record (contributor ${contributor}, contentHash 0x${contentHash.toString(16)}) already at ${first}`,
      { meta: { contributor, contentHash, first, second } },
    )
  }
}
