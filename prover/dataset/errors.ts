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

/**
 * A choice of how to read a file of another tool's shape (`--map`, `--rest`) cannot be used: the
 * message names the option as the user wrote it, then what was expected.
 */
export class RecordShapeOptionError extends PoaError {
  constructor({ option, reason }: { option: string; reason: string }) {
    super('RECORD_SHAPE_OPTION', 'USAGE', `${option}: ${reason}`, { meta: { option } })
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

/** A dataset option (an input limit, for example) has a value it cannot take. */
export class DatasetParameterError extends PoaError {
  constructor({ name, value, expected }: { name: string; value: unknown; expected: string }) {
    super('DATASET_PARAMETER_INVALID', 'USAGE', `${name} = ${String(value)} is not valid (expected ${expected})`, { meta: { name, value } })
  }
}

/** An import file is larger than the import limit: refused before it is read. */
export class ImportTooLargeError extends PoaError {
  constructor({ file, bytes, limit }: { file: string; bytes: number; limit: number }) {
    super(
      'IMPORT_TOO_LARGE',
      'BAD_INPUT',
      `${file}: ${bytes.toLocaleString('en-US')} bytes is over the import limit of ${limit.toLocaleString('en-US')} bytes ` +
        '(split the file, or raise maxImportBytes / --max-import-bytes)',
      { meta: { file, bytes, limit } },
    )
  }
}

/** Lines of one file that failed the same way as a listed error: shown once, with their line numbers. */
export type RepeatedRecordError = { error: PoaError; moreLines: number[]; moreCount: number }

/** Line numbers named after a repeated error; the rest are only counted. */
const LISTED_REPEATS = 10

/**
 * Several records of one import are bad. Every bad record is counted and the first
 * `maxReportedErrors` distinct errors are listed, each with file:line and field, so a user fixes
 * them in one pass; an error repeated on other lines (a field every line has) is listed once with
 * those lines. Nothing of the import is written.
 */
export class RecordsRejectedError extends PoaError {
  readonly errors: readonly PoaError[]
  constructor({ file, errors, total }: { file: string; errors: readonly (PoaError | RepeatedRecordError)[]; total: number }) {
    const entries = errors.map((e) => (e instanceof PoaError ? { error: e, moreLines: [], moreCount: 0 } : e))
    const covered = entries.reduce((n, e) => n + 1 + e.moreCount, 0)
    const listed = total > covered ? ` (the first ${entries.length} listed)` : ''
    const line = ({ error, moreLines, moreCount }: RepeatedRecordError) =>
      moreCount === 0 ? error.shortMessage : `${error.shortMessage} (the same on ${moreCount} more line${moreCount === 1 ? '' : 's'}: ${moreLines.join(', ')}${moreCount > moreLines.length ? ', ...' : ''})`
    super(
      'RECORDS_REJECTED',
      'BAD_INPUT',
      `${file}: ${total} bad records, nothing imported${listed}:\n  ${entries.map(line).join('\n  ')}`,
      { meta: { file, total, errors: entries.map((e) => ({ ...e.error.toJSON(), ...(e.moreCount ? { sameOnLines: e.moreLines, sameCount: e.moreCount } : {}) })) } },
    )
    this.errors = entries.map((e) => e.error)
  }
}

/**
 * Collects record errors while a whole file is checked: a bad record does not stop the check, so the
 * user sees every bad line at once. An error that differs from a kept one only by its line number
 * is folded into it. `throwIfAny` throws the single error as it is, or one `RecordsRejectedError`
 * listing the first `cap` distinct errors.
 */
export class RecordErrorCollector {
  private readonly kept: RepeatedRecordError[] = []
  /** Message without its `file:line` -> the kept entry of that message. */
  private readonly byReason = new Map<string, RepeatedRecordError>()
  private total = 0
  constructor(private readonly file: string, private readonly cap: number) {}

  /** Run `check`; a PoaError it throws is recorded (and `undefined` returned), anything else propagates. */
  attempt<T>(check: () => T): T | undefined {
    try {
      return check()
    } catch (error) {
      if (!(error instanceof PoaError)) throw error
      this.add(error)
      return undefined
    }
  }

  add(error: PoaError): void {
    this.total++
    const { file, line } = error.meta
    const prefix = `${String(file)}:${String(line)}`
    const reason = typeof line === 'number' && error.shortMessage.startsWith(prefix) ? error.shortMessage.slice(prefix.length) : undefined
    const same = reason === undefined ? undefined : this.byReason.get(reason)
    if (same) {
      same.moreCount++
      if (same.moreLines.length < LISTED_REPEATS) same.moreLines.push(line as number)
      return
    }
    if (this.kept.length >= this.cap) return
    const entry = { error, moreLines: [], moreCount: 0 }
    this.kept.push(entry)
    if (reason !== undefined) this.byReason.set(reason, entry)
  }

  get count(): number {
    return this.total
  }

  throwIfAny(): void {
    if (this.total === 0) return
    if (this.total === 1) throw this.kept[0].error
    throw new RecordsRejectedError({ file: this.file, errors: this.kept, total: this.total })
  }
}
