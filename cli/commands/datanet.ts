import { Option, type Command } from 'commander'
import type { DatanetVersion } from '../../prover/datanet/index.ts'
import type { RecordFormat } from '../../prover/dataset/index.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { fieldOption, integerOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

type ImportOptions = { format?: RecordFormat; workers?: number; maxRecordBytes?: number; maxImportBytes?: number; map?: string[]; contributor?: string; rest: string }
type CommitOptions = ChainCliOptions & { version?: number; contentUri?: string; chainDatanet?: number }

const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`
const datanetStore = () => import('../../prover/app/withDatanetStore.ts')

function versionLine(v: DatanetVersion): string {
  const chain = v.commit ? `, committed on chain ${v.commit.chainId} block ${v.commit.blockNumber} tx ${v.commit.txHash}` : ', not committed on-chain'
  return `  v${v.version}: ${v.recordCount} records, root ${hex(v.root)}${v.source ? ` (from ${v.source})` : ''}${chain}`
}

/** Registers: datanet create|import|status|list|prove|verify|commit|migrate. */
export function registerDatanetCommands(program: Command): void {
  const datanet = program.command('datanet').description('create datanets, import records, commit roots on-chain, publish and check inclusion proofs')

  datanet
    .command('create <name>')
    .description('create an empty datanet owned by <addr> (its on-chain owner too, from its first commit)')
    .requiredOption('--owner <addr>', 'owner EVM address')
    .option('--depth <n>', 'Merkle tree depth (holds 2^depth records; default 20)', integerOption('--depth', 1, 32))
    .action(async (name: string, options: { owner: string; depth?: number }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const created = await (await datanetStore()).withDatanetStore(opts.home, (store) => store.createDatanet({ name, owner: options.owner, depth: options.depth }))
      printResult(opts, created, () => `created datanet "${created.name}" (id ${created.id}, owner ${created.owner}, depth ${created.depth})`)
    })

  datanet
    .command('import <datanet> <file>')
    .description('append the records of a JSONL or CSV file as one new version (all or nothing)')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['jsonl', 'csv']))
    .option('--workers <n>', 'threads for tree hashing (default: cores)', integerOption('--workers', 1, 64))
    .option('--max-record-bytes <n>', 'largest content of one record in bytes (default 1 MiB)', integerOption('--max-record-bytes', 1, Number.MAX_SAFE_INTEGER))
    .option('--max-import-bytes <n>', 'largest import file in bytes (default 256 MiB)', integerOption('--max-import-bytes', 1, Number.MAX_SAFE_INTEGER))
    .option('--map <record-field>=<source-field>', 'the JSON field or CSV column holding a record field (contributor, content, contentBase64, label, metadata); repeatable, e.g. --map content=text --map label=category', (entry: string, all: string[] = []) => [...all, entry])
    .option('--contributor <address>', 'contributor of every record whose line has no contributor field')
    .addOption(new Option('--rest <policy>', 'fields no record field reads: refuse them, or keep them in the record\'s metadata (not committed)').choices(['refuse', 'metadata']).default('refuse'))
    .action(async (ref: string, file: string, options: ImportOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { importDatanetFile } = await import('../../prover/app/datanetWorkflows.ts')
      const limits = { ...(options.maxRecordBytes ? { maxRecordBytes: options.maxRecordBytes } : {}), ...(options.maxImportBytes ? { maxImportBytes: options.maxImportBytes } : {}) }
      const shape = { map: options.map, contributor: options.contributor, rest: options.rest }
      const result = await importDatanetFile({ home: opts.home, datanet: ref, file, format: options.format, workers: options.workers, limits, shape, log: note, onProgress: progressLine })
      printResult(opts, result, () => `imported ${result.added} records into "${result.datanet.name}": version ${result.version}, ${result.recordCount} records, root ${hex(result.root)}`)
    })

  datanet
    .command('status <datanet>')
    .description('show a datanet and its versions')
    .action(async (ref: string, _options: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { info, versions } = await (await datanetStore()).withDatanetStore(opts.home, (store) => {
        const info = store.getDatanet(ref)
        return { info, versions: store.listVersions(info.id) }
      })
      printResult(opts, { ...info, versions }, () =>
        [`datanet "${info.name}" (id ${info.id}), owner ${info.owner}, depth ${info.depth}, ${info.recordCount} records, created ${info.createdAt}`,
          ...(versions.length ? versions.map(versionLine) : ['  no versions yet: import records']),
        ].join('\n'))
    })

  datanet
    .command('list')
    .description('list the datanets of this home')
    .action(async (_options: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const all = await (await datanetStore()).withDatanetStore(opts.home, (store) => store.listDatanets())
      printResult(opts, all, () => (all.length ? all.map((d) => `${d.id}\t${d.name}\t${d.recordCount} records\tv${d.latestVersion}\t${d.owner}`).join('\n') : 'no datanets'))
    })

  datanet
    .command('prove <datanet> <position>')
    .description('inclusion proof of the record at <position> (leaf index)')
    .option('--version <n>', 'datanet version (default: latest)', integerOption('--version', 1, Number.MAX_SAFE_INTEGER))
    .option('--out <file>', 'write the proof JSON to this file')
    .action(async (ref: string, positionText: string, options: { version?: number; out?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      // The position's syntax is a usage matter; whether the version holds it is the store's (exit 3).
      const position = integerOption('position', 0, 2 ** 32 - 1)(positionText)
      const { proveRecordInclusion } = await import('../../prover/datanet/index.ts')
      const { jsonSafe } = await import('../../prover/errors/index.ts')
      const proof = await (await datanetStore()).withDatanetStore(opts.home, (store) => proveRecordInclusion(store, ref, options.version, position))
      const text = `${JSON.stringify(jsonSafe(proof), null, 1)}\n`
      if (options.out) {
        const { writeFileSync } = await import('node:fs')
        writeFileSync(options.out, text)
        printResult(opts, { ...proof, out: options.out }, () => `wrote the proof of record ${position} ("${proof.datanet.name}" v${proof.version}, root ${hex(proof.root)}) to ${options.out}`)
      } else {
        printResult(opts, proof, () => text.trimEnd())
      }
    })

  datanet
    .command('verify <proof>')
    .description('check an inclusion proof file; against --root, else against the local store when it has that version')
    .option('--root <root>', 'expected datanet root (decimal or 0x-hex), for example the one committed on-chain', fieldOption('--root'))
    .action(async (file: string, options: { root?: bigint }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { verifyInclusionFile } = await import('../../prover/app/datanetWorkflows.ts')
      const result = await verifyInclusionFile({ home: opts.home, file, root: options.root })
      printResult(opts, result, () => `valid: record ${result.leafIndex} of "${result.datanet.name}" v${result.version} (contributor ${result.contributor}) is under root ${hex(result.root)} with ${result.label === null ? 'no label' : `label ${JSON.stringify(result.label)}`}, checked against ${result.checkedAgainst}`)
    })

  datanet
    .command('migrate')
    .description('move a datanet store of an older leaf format (schema 1: labels not committed) to today\'s; keeps the old file as poa.schema1.sqlite')
    .action(async (_options: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { migrateDatanetStore } = await import('../../prover/datanet/index.ts')
      const result = await migrateDatanetStore({ home: opts.home })
      if (result.migrated) note('migrated versions are not committed: commit them again (a chain datanet that holds the old roots refuses new roots at the same version numbers)')
      printResult(opts, result, () =>
        !result.migrated
          ? `${result.path} already commits labels: nothing to migrate`
          : [`migrated ${result.path} from schema ${result.fromSchema}; the old store is kept as ${result.keptAs}`,
            ...result.datanets.flatMap((d) => [`datanet "${d.name}" (id ${d.id})`, ...d.versions.map((v) => `  v${v.version}: ${v.recordCount} records, root ${hex(v.oldRoot)} -> ${hex(v.root)}${v.oldCommit ? ` (old root committed in ${v.oldCommit.txHash})` : ''}`)]),
          ].join('\n'))
    })

  addChainOptions(
    datanet
      .command('commit <datanet>')
      .description("commit a datanet version's root on-chain (earlier uncommitted versions first) and record the transaction")
      .option('--version <n>', 'local version to commit (default: latest)', integerOption('--version', 1, Number.MAX_SAFE_INTEGER))
      .option('--content-uri <uri>', 'where the version\'s records can be fetched (default poa://datanet/<name>/v<n>)')
      .option('--chain-datanet <id>', 'on-chain datanet id (default: the one this signer created for the name, else a new one)', integerOption('--chain-datanet', 1, Number.MAX_SAFE_INTEGER)),
  ).action(async (ref: string, options: CommitOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const { commitDatanet } = await import('../../prover/app/datanetWorkflows.ts')
    const result = await commitDatanet({
      home: opts.home, chain: chainTargetOf(options), datanet: ref, version: options.version, contentURI: options.contentUri,
      chainDatanetId: options.chainDatanet === undefined ? undefined : BigInt(options.chainDatanet), onProgress: progressLine,
    })
    if (result.createdOnChain) note(`created on-chain datanet ${result.chainDatanetId} for "${result.datanet.name}", owned by ${result.owner}`)
    if (result.curator) note(`the signer ${result.curator} is not the owner: it commits as the owner's curator (the owner can remove it)`)
    printResult(opts, result, () =>
      result.commits
        .map((c) => `v${c.version}: root ${hex(c.root)} ${c.alreadyCommitted ? 'already on-chain' : 'committed'} in tx ${c.txHash} (block ${c.blockNumber})`)
        .concat(`datanet "${result.datanet.name}" is on-chain datanet ${result.chainDatanetId} of registry ${result.registry} (chain ${result.chainId})`)
        .join('\n'),
      () => String(result.chainDatanetId),
    )
  })
}
