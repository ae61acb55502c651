import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename } from 'node:path'
import { commitDatanetVersion, type CommitDatanetVersionReturnType } from '../clients/commitDatanetVersion.ts'
import { InclusionProofFileError, parseInclusionProof, verifyRecordInclusion, type DatanetRef, type DatanetVersion } from '../datanet/index.ts'
import { readRecords, type RecordFormat, type RecordLimits, type RecordShapeOptions } from '../dataset/index.ts'
import { homeLayout } from '../layout/index.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { noProgress } from './appOptions.ts'
import { withChainSession } from './withChainSession.ts'
import { withDatanetStore } from './withDatanetStore.ts'

export type ImportDatanetFileParameters = Pick<AppFolders, 'home'> & Pick<AppReporting, 'log' | 'onProgress' | 'signal'> & {
  datanet: DatanetRef
  file: string
  format?: RecordFormat
  workers?: number
  limits?: Partial<RecordLimits>
  /** How a file of another tool's shape maps onto records (`--map`, `--contributor`, `--rest`). */
  shape?: RecordShapeOptions
}

export type ImportDatanetFileReturnType = DatanetVersion & { datanet: { id: number; name: string }; added: number }

/**
 * The Datanet owner's import: read a JSONL or CSV file byte for byte (every bad record reported at
 * once, limits checked before anything is written) and append it as one new version.
 */
export async function importDatanetFile(p: ImportDatanetFileParameters): Promise<ImportDatanetFileReturnType> {
  const progress = p.onProgress ?? noProgress
  return withDatanetStore(p.home, async (store) => {
    const target = store.getDatanet(p.datanet)
    const records = await readRecords({ path: p.file, format: p.format, limits: p.limits, shape: p.shape })
    p.log?.(`read ${records.length} records from ${basename(p.file)}`)
    const hashing = progress('hashing records')
    const tree = progress('building tree')
    const version = await store.importRecords(target.id, {
      records, source: basename(p.file), workers: p.workers ?? availableParallelism(), limits: p.limits, signal: p.signal,
      onProgress: (q) => (q.unit === 'tree hashes' ? tree(q) : hashing(q)),
    })
    return { datanet: { id: target.id, name: target.name }, added: records.length, ...version }
  })
}

export type VerifyInclusionFileParameters = Pick<AppFolders, 'home'> & { file: string; root?: bigint }

export type VerifyInclusionFileReturnType = {
  valid: true; datanet: { name: string }; version: number; leafIndex: number; root: bigint; contributor: string
  /** The record's committed label (null: unlabelled). */
  label: string | null
  checkedAgainst: string
}

/**
 * Check an inclusion proof file: against `root` when given, else against this home's copy of the
 * datanet version when it has one, else against the proof's own root (it still must hash up to it).
 */
export async function verifyInclusionFile(p: VerifyInclusionFileParameters): Promise<VerifyInclusionFileReturnType> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(p.file, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ? `cannot be read (${(error as NodeJS.ErrnoException).code})` : `is not JSON (${(error as Error).message})`
    throw new InclusionProofFileError({ file: basename(p.file), reason, cause: error })
  }
  const proof = parseInclusionProof(json, basename(p.file))
  let expectedRoot = p.root
  let checkedAgainst = expectedRoot === undefined ? 'the proof itself' : '--root'
  if (expectedRoot === undefined && existsSync(homeLayout(p.home).datanetDb)) {
    await withDatanetStore(p.home, (store) => {
      const local = store.listDatanets().find((d) => d.name === proof.datanet.name)
      if (local && proof.version <= local.latestVersion) {
        expectedRoot = store.getVersion(local.id, proof.version).root
        checkedAgainst = `local datanet "${local.name}" v${proof.version}`
      }
    })
  }
  const { root, leafIndex } = await verifyRecordInclusion(proof, { expectedRoot })
  return { valid: true, datanet: proof.datanet, version: proof.version, leafIndex, root, contributor: proof.contributor, label: proof.label, checkedAgainst }
}

export type CommitDatanetParameters = Pick<AppFolders, 'home'> & AppChain & Pick<AppReporting, 'onProgress'> & {
  datanet: DatanetRef
  version?: number
  contentURI?: string
  chainDatanetId?: bigint
}

/** Put a local datanet version on-chain (earlier uncommitted versions first); the version is checked locally before any chain starts. */
export async function commitDatanet(p: CommitDatanetParameters): Promise<CommitDatanetVersionReturnType> {
  return withDatanetStore(p.home, async (store) => {
    const target = store.getVersion(store.getDatanet(p.datanet).id, p.version)
    return withChainSession({ home: p.home, chain: p.chain, onProgress: p.onProgress }, (chain) =>
      commitDatanetVersion({
        chain, store, datanet: p.datanet, version: target.version, contentURI: p.contentURI, chainDatanetId: p.chainDatanetId,
        onProgress: (p.onProgress ?? noProgress)('committing versions'),
      }),
    )
  })
}
