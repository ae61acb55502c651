import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { commitDatanet, importDatanetFile } from '../../app/datanetWorkflows.ts'
import { withDatanetStore } from '../../app/withDatanetStore.ts'
import { formatFromPath, type RecordShapeOptions } from '../../dataset/index.ts'
import { CIRCUIT_SETS } from '../../proof/circuitParams.ts'
import type { DashboardContext } from '../dashboardContext.ts'
import { ApiInputError } from '../serveErrors.ts'
import { datanetRef, optionalInteger, optionalText, requiredText } from '../requestFields.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** Characters of a record's content a listing shows. */
const PREVIEW_CHARS = 160

/**
 * Datanets: list, create, upload records (the CLI's import: same parser, same messages), commit a
 * version's root on-chain (a job), and read versions, commit transactions, contributors, records.
 */
export function datanetRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/datanets', () => withDatanetStore(ctx.home, (store) => store.listDatanets()))

  app.post('/api/datanets', (req) => {
    const body = req.body as Record<string, unknown>
    const name = requiredText(body, 'name', { pattern: NAME })
    // Default: the proving circuit's depth, which a model's proofs over this datanet need.
    const depth = optionalInteger(body, 'depth', 1, 32) ?? CIRCUIT_SETS[ctx.circuitSet].treeDepth
    // The node's account owns it here and on-chain from its first commit.
    return withDatanetStore(ctx.home, (store) => store.createDatanet({ name, owner: ctx.chain.signerAddress, depth }))
  })

  app.get('/api/datanets/:ref', (req) => {
    const ref = datanetRef((req.params as { ref: string }).ref)
    return withDatanetStore(ctx.home, (store) => {
      const info = store.getDatanet(ref)
      const versions = store.listVersions(info.id)
      const counts = new Map<string, number>()
      if (info.latestVersion > 0) for (const r of store.getRecords(info.id)) counts.set(r.contributor, (counts.get(r.contributor) ?? 0) + 1)
      const contributors = [...counts].map(([contributor, records]) => ({ contributor, records })).sort((a, b) => b.records - a.records || a.contributor.localeCompare(b.contributor))
      return { ...info, versions, contributors }
    })
  })

  app.get('/api/datanets/:ref/records', (req) => {
    const ref = datanetRef((req.params as { ref: string }).ref)
    const q = req.query as Record<string, unknown>
    const version = optionalInteger(q, 'version', 1, 2 ** 31)
    const offset = optionalInteger(q, 'offset', 0, 2 ** 32) ?? 0
    const limit = optionalInteger(q, 'limit', 1, 500) ?? 50
    return withDatanetStore(ctx.home, (store) => {
      const info = store.getDatanet(ref)
      const all = info.latestVersion === 0 ? [] : store.getRecords(info.id, version)
      const decoder = new TextDecoder()
      return {
        total: all.length, offset,
        records: all.slice(offset, offset + limit).map((r) => {
          const text = typeof r.content === 'string' ? r.content : decoder.decode(r.content)
          return { position: r.position, contributor: r.contributor, label: r.label ?? null, leaf: r.leaf, preview: text.slice(0, PREVIEW_CHARS), bytes: Buffer.byteLength(text) }
        }),
      }
    })
  })

  // The body is the file's bytes (the page sends the File as it is); fastify refuses a larger one with 413.
  // map=content:text,label:category&contributor=0x...&rest=metadata: the CLI's --map, --contributor, --rest.
  app.post('/api/datanets/:ref/records', { bodyLimit: ctx.maxUploadBytes }, async (req) => {
    const ref = datanetRef((req.params as { ref: string }).ref)
    const q = req.query as Record<string, unknown>
    const file = basename(requiredText(q, 'file', { pattern: /^[^/\\]{1,128}$/ }))
    const format = (optionalText(q, 'format', { pattern: /^(jsonl|csv)$/ }) as 'jsonl' | 'csv' | undefined) ?? formatFromPath(file)
    const shape = recordShapeQuery(q)
    const dir = await mkdtemp(join(tmpdir(), 'poa-upload-'))
    try {
      // Through a file named as the upload, so every error names it as the CLI would (records.jsonl:12 ...).
      const path = join(dir, file)
      await writeFile(path, req.body as Buffer)
      return await importDatanetFile({ home: ctx.home, datanet: ref, file: path, format, limits: { maxImportBytes: ctx.maxUploadBytes }, shape, log: ctx.log })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  app.post('/api/datanets/:ref/commit', async (req) => {
    const ref = datanetRef((req.params as { ref: string }).ref)
    const version = optionalInteger(req.body as Record<string, unknown>, 'version', 1, 2 ** 31)
    // Checked now, so a wrong datanet or version is a 400 rather than a failed job.
    const v = await withDatanetStore(ctx.home, (store) => store.getVersion(store.getDatanet(ref).id, version))
    return ctx.jobs.start('commit', `commit datanet ${String(ref)} v${v.version}`, async (job) => {
      const result = await commitDatanet({ home: ctx.home, chain: ctx.chain.target, datanet: ref, version: v.version, onProgress: job.onProgress })
      for (const c of result.commits) job.step(c.alreadyCommitted ? 'already on-chain' : 'committed', { version: c.version, root: c.root, txHash: c.txHash, blockNumber: c.blockNumber })
      return result
    })
  })
}

/**
 * The upload's shape choices from its query: `map` (comma-separated `field:source` entries, the
 * parameter may repeat; a source field whose name holds a comma needs the CLI), `contributor` and `rest`. Their meaning
 * is checked by the importer, whose messages name them as spelled here (`map label:text: ...`).
 */
function recordShapeQuery(q: Record<string, unknown>): RecordShapeOptions {
  const raw = q.map === undefined ? [] : Array.isArray(q.map) ? q.map : [q.map]
  const map = raw.flatMap((value) => {
    if (typeof value !== 'string') throw new ApiInputError({ field: 'map', expected: 'field:source entries separated by commas', got: value })
    return value.split(',')
  })
  return {
    map,
    contributor: optionalText(q, 'contributor', { max: 64 }),
    rest: optionalText(q, 'rest', { pattern: /^(refuse|metadata)$/ }),
    spelling: { map: 'map', contributor: 'contributor', rest: 'rest', separator: ':' },
  }
}
