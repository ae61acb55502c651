import { PoaError } from '../errors/index.ts'

/** A datanet referenced by id or name does not exist in this store. */
export class DatanetNotFoundError extends PoaError {
  constructor({ ref }: { ref: string | number }) {
    super('DATANET_NOT_FOUND', 'BAD_INPUT', `datanet ${JSON.stringify(String(ref))} does not exist (give its id or name; "poa datanet create" makes one)`, { meta: { ref } })
  }
}

/** A datanet with this name already exists. */
export class DatanetExistsError extends PoaError {
  constructor({ name, id }: { name: string; id: number }) {
    super('DATANET_EXISTS', 'BAD_INPUT', `datanet "${name}" already exists (id ${id})`, { meta: { name, id } })
  }
}

/** A parameter of a datanet call is out of its allowed range or shape (name, depth, position...). */
export class DatanetParameterError extends PoaError {
  constructor({ name, value, expected }: { name: string; value: unknown; expected: string }) {
    super('DATANET_PARAMETER', 'BAD_INPUT', `${name} = ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)} is invalid: expected ${expected}`, {
      meta: { name, value, expected },
    })
  }
}

/** A datanet version that was never made. */
export class VersionNotFoundError extends PoaError {
  constructor({ datanet, version, latest }: { datanet: string; version: number; latest: number }) {
    super('VERSION_NOT_FOUND', 'BAD_INPUT', `datanet "${datanet}" has no version ${version} (versions are 1..${latest}${latest === 0 ? ', none yet: import records first' : ''})`, {
      meta: { datanet, version, latest },
    })
  }
}

/** Appending would exceed the 2^depth leaves of the datanet tree. */
export class DatanetFullError extends PoaError {
  constructor({ datanet, depth, have, adding }: { datanet: string; depth: number; have: number; adding: number }) {
    super('DATANET_FULL', 'BAD_INPUT', `datanet "${datanet}" (depth ${depth}) holds at most ${2 ** depth} records: has ${have}, adding ${adding}`, {
      meta: { datanet, depth, have, adding },
    })
  }
}

/** The stored leaves no longer hash to the root recorded for a version: the database was altered. */
export class DatanetCorruptError extends PoaError {
  constructor({ datanet, version, expected, got }: { datanet: string; version: number; expected: bigint; got: bigint }) {
    super('DATANET_CORRUPT', 'INTERNAL', `datanet "${datanet}" version ${version}: stored leaves give root 0x${got.toString(16)}, the version records 0x${expected.toString(16)}`, {
      meta: { datanet, version, expected, got },
    })
  }
}

/** Another writer appended to the datanet between our read and our write; retry the import. */
export class ConcurrentImportError extends PoaError {
  constructor({ datanet, expected, got }: { datanet: string; expected: number; got: number }) {
    super('CONCURRENT_IMPORT', 'BAD_INPUT', `datanet "${datanet}" changed during the import (expected ${expected} records, found ${got}); nothing was written, retry`, {
      meta: { datanet, expected, got },
    })
  }
}

/** An import was cancelled through its AbortSignal before it committed; nothing was written. */
export class ImportAbortedError extends PoaError {
  constructor({ datanet, cause }: { datanet: string; cause?: unknown }) {
    super('IMPORT_ABORTED', 'USAGE', `import into datanet "${datanet}" was aborted before it committed; nothing was written`, { meta: { datanet }, cause })
  }
}

/**
 * The store was written by another leaf format. Schema 1 cached leaves Poseidon(contributor,
 * contentHash), which do not commit labels: reading them as today's leaves would silently give other
 * roots than the ones recorded, so the store is refused and `poa datanet migrate` names the way out.
 */
export class DatanetStoreFormatError extends PoaError {
  constructor({ path, found, expected, records }: { path: string; found: number; expected: number; records: number }) {
    const message =
      found > expected
        ? `${path} is a datanet store of schema ${found}, newer than this poa reads (schema ${expected}); upgrade poa`
        : `${path} is a datanet store of schema ${found}: its ${records} records have leaves Poseidon(contributor, contentHash), which do not commit labels; ` +
          `this poa reads schema ${expected}, whose leaves are Poseidon(contributor, contentHash, labelHash). Run "poa datanet migrate" (keeps this file as poa.schema${found}.sqlite and re-imports every version with the new leaves)`
    super('DATANET_STORE_FORMAT', 'BAD_INPUT', message, { meta: { path, found, expected, records } })
  }
}
