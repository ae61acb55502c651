import { Command, Option } from 'commander'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { availableParallelism } from 'node:os'
import { readRecords, type RecordFormat } from '../../prover/dataset/index.ts'
import {
  DEFAULT_DATANET_DEPTH, DatanetParameterError, InclusionProofFileError, openDatanetStore, parseInclusionProof,
  proveRecordInclusion, verifyRecordInclusion, type DatanetStore, type DatanetVersion,
} from '../../prover/datanet/index.ts'
import { jsonSafe } from '../../prover/errors/index.ts'
import { note, printResult, progressLine, type OutputOptions } from '../output.ts'

type GlobalOptions = OutputOptions & { home: string }

const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`

/** A non-negative integer from a CLI argument, or a bad-input error naming it. */
function intArg(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new DatanetParameterError({ name, value: text, expected: `an integer in [${min}, ${max}]` })
  }
  return Number(text)
}

function fieldArg(name: string, text: string): bigint {
  if (!/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(text)) throw new DatanetParameterError({ name, value: text, expected: 'a field element in decimal or 0x-hex' })
  return BigInt(text)
}

async function withStore<T>(cmd: Command, work: (store: DatanetStore, opts: GlobalOptions) => Promise<T>): Promise<T> {
  const opts = cmd.optsWithGlobals() as GlobalOptions
  const store = openDatanetStore({ home: opts.home })
  try {
    return await work(store, opts)
  } finally {
    store.close()
  }
}

function versionLine(v: DatanetVersion): string {
  const chain = v.commit ? `, committed on chain ${v.commit.chainId} block ${v.commit.blockNumber} tx ${v.commit.txHash}` : ', not committed on-chain'
  return `  v${v.version}: ${v.recordCount} records, root ${hex(v.root)}${v.source ? ` (from ${v.source})` : ''}${chain}`
}

/** Registers: datanet create|import|status|list|prove|verify (commit is added by datanetCommit.ts). */
export function registerDatanetCommands(program: Command): void {
  const datanet = program.command('datanet').description('create datanets, import records, publish and check inclusion proofs')

  datanet
    .command('create <name>')
    .description('create an empty datanet owned by <addr>')
    .requiredOption('--owner <addr>', 'owner EVM address')
    .option('--depth <n>', 'Merkle tree depth (holds 2^depth records)', String(DEFAULT_DATANET_DEPTH))
    .action(async (name: string, options: { owner: string; depth: string }, cmd: Command) => {
      await withStore(cmd, async (store, opts) => {
        const created = store.createDatanet({ name, owner: options.owner, depth: intArg('--depth', options.depth, 1, 32) })
        printResult(opts, created, () => `created datanet "${created.name}" (id ${created.id}, owner ${created.owner}, depth ${created.depth})`)
      })
    })

  datanet
    .command('import <datanet> <file>')
    .description('append the records of a JSONL or CSV file as one new version (all or nothing)')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['jsonl', 'csv']))
    .option('--workers <n>', 'threads for leaf and tree hashing', String(availableParallelism()))
    .action(async (ref: string, file: string, options: { format?: RecordFormat; workers: string }, cmd: Command) => {
      await withStore(cmd, async (store, opts) => {
        const workers = intArg('--workers', options.workers, 1, 64)
        const target = store.getDatanet(ref)
        const records = await readRecords({ path: file, format: options.format })
        note(`read ${records.length} records from ${basename(file)}`)
        const hashing = progressLine('hashing records')
        const tree = progressLine('building tree')
        const version = await store.importRecords(target.id, {
          records,
          source: basename(file),
          workers,
          onProgress: (p) => (p.unit === 'tree hashes' ? tree(p) : hashing(p)),
        })
        const result = { datanet: { id: target.id, name: target.name }, added: records.length, ...version }
        printResult(opts, result, () => `imported ${records.length} records into "${target.name}": version ${version.version}, ${version.recordCount} records, root ${hex(version.root)}`)
      })
    })

  datanet
    .command('status <datanet>')
    .description('show a datanet and its versions')
    .action(async (ref: string, _options: unknown, cmd: Command) => {
      await withStore(cmd, async (store, opts) => {
        const info = store.getDatanet(ref)
        const versions = store.listVersions(info.id)
        printResult(opts, { ...info, versions }, () =>
          [`datanet "${info.name}" (id ${info.id}), owner ${info.owner}, depth ${info.depth}, ${info.recordCount} records, created ${info.createdAt}`,
            ...(versions.length ? versions.map(versionLine) : ['  no versions yet: import records']),
          ].join('\n'))
      })
    })

  datanet
    .command('list')
    .description('list the datanets of this home')
    .action(async (_options: unknown, cmd: Command) => {
      await withStore(cmd, async (store, opts) => {
        const all = store.listDatanets()
        printResult(opts, all, () => (all.length ? all.map((d) => `${d.id}\t${d.name}\t${d.recordCount} records\tv${d.latestVersion}\t${d.owner}`).join('\n') : 'no datanets'))
      })
    })

  datanet
    .command('prove <datanet> <position>')
    .description('inclusion proof of the record at <position> (leaf index)')
    .option('--version <n>', 'datanet version (default: latest)')
    .option('--out <file>', 'write the proof JSON to this file')
    .action(async (ref: string, positionText: string, options: { version?: string; out?: string }, cmd: Command) => {
      await withStore(cmd, async (store, opts) => {
        const version = options.version === undefined ? undefined : intArg('--version', options.version, 1, Number.MAX_SAFE_INTEGER)
        const position = intArg('position', positionText, 0, 2 ** 32 - 1)
        const proof = await proveRecordInclusion(store, ref, version, position)
        const text = `${JSON.stringify(jsonSafe(proof), null, 1)}\n`
        if (options.out) {
          writeFileSync(options.out, text)
          printResult(opts, { ...proof, out: options.out }, () => `wrote the proof of record ${position} ("${proof.datanet.name}" v${proof.version}, root ${hex(proof.root)}) to ${options.out}`)
        } else {
          printResult(opts, proof, () => text.trimEnd())
        }
      })
    })

  datanet
    .command('verify <proof>')
    .description('check an inclusion proof file; against --root, else against the local store when it has that version')
    .option('--root <root>', 'expected datanet root (decimal or 0x-hex), for example the one committed on-chain')
    .action(async (file: string, options: { root?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      let expectedRoot = options.root === undefined ? undefined : fieldArg('--root', options.root)
      let json: unknown
      try {
        json = JSON.parse(readFileSync(file, 'utf8'))
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ? `cannot be read (${(error as NodeJS.ErrnoException).code})` : `is not JSON (${(error as Error).message})`
        throw new InclusionProofFileError({ file: basename(file), reason, cause: error })
      }
      const proof = parseInclusionProof(json, basename(file))
      let checkedAgainst = expectedRoot === undefined ? 'the proof itself' : '--root'
      // Without --root, a local store that holds this datanet version supplies the root to check against.
      if (expectedRoot === undefined && existsSync(join(opts.home, 'poa.sqlite'))) {
        const store = openDatanetStore({ home: opts.home })
        try {
          const local = store.listDatanets().find((d) => d.name === proof.datanet.name)
          if (local && proof.version <= local.latestVersion) {
            expectedRoot = store.getVersion(local.id, proof.version).root
            checkedAgainst = `local datanet "${local.name}" v${proof.version}`
          }
        } finally {
          store.close()
        }
      }
      const { root, leafIndex } = await verifyRecordInclusion(proof, { expectedRoot })
      const result = { valid: true, datanet: proof.datanet, version: proof.version, leafIndex, root, contributor: proof.contributor, checkedAgainst }
      printResult(opts, result, () => `valid: record ${leafIndex} of "${proof.datanet.name}" v${proof.version} (contributor ${proof.contributor}) is under root ${hex(root)}, checked against ${checkedAgainst}`)
    })
}
