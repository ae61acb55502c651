// The dashboard's JSON API without a browser (fastify's inject) on a real chain: the home's
// embedded chain served on loopback by openServerChain, as `poa serve` does.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devWallet } from '../prover/chain/embeddedChain.ts'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { buildDashboard, checkBindHost, createJobRegistry, isLoopbackHost, openServerChain, startDashboard, type JobRegistry, type ServerChain } from '../prover/serve/index.ts'
import { withChainSession } from '../prover/app/withChainSession.ts'
import { buildGovernanceCall, delegateVotes, deployGovernance, proposeGovernance } from '../prover/governance/index.ts'
import { runPoa } from './runPoa.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-dashboard-api-'))
const MAX_UPLOAD = 64 * 1024
let chain: ServerChain
let app: FastifyInstance
let jobs: JobRegistry
/** Every response body the tests saw: none may hold the node's key. */
const bodies: string[] = []

async function call(method: 'GET' | 'POST', url: string, body?: unknown, raw?: Buffer) {
  const response = await app.inject({
    method, url,
    ...(raw ? { payload: raw, headers: { 'content-type': 'application/octet-stream' } } : body === undefined ? {} : { payload: body as object }),
  })
  bodies.push(response.body)
  return { status: response.statusCode, json: response.headers['content-type']?.toString().startsWith('application/json') ? response.json() : undefined, body: response.body }
}

const jsonl = (records: object[]) => Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`)

beforeAll(async () => {
  chain = await openServerChain({ home })
  jobs = createJobRegistry()
  app = buildDashboard({ home, chain, jobs, circuitSet: 'tiny', maxUploadBytes: MAX_UPLOAD, workers: 1, log: () => {} })
  await app.ready()
}, 300_000)

afterAll(async () => {
  await app?.close()
  await chain?.close()
  rmSync(home, { recursive: true, force: true })
})

describe('dashboard API (inject)', () => {
  it('creates a datanet owned by the node and imports an upload of corpus records', async () => {
    const created = await call('POST', '/api/datanets', { name: 'mails' })
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({ name: 'mails', owner: chain.signerAddress, depth: 8 })
    const records = loadSpamAssassin({ limit: 4 }).map((r) => ({ contributor: r.contributor, content: r.content, label: r.label }))
    const imported = await call('POST', '/api/datanets/mails/records?file=mails.jsonl', undefined, jsonl(records))
    expect(imported.status).toBe(200)
    expect(imported.json).toMatchObject({ added: 4, version: 1, recordCount: 4 })
    const shown = await call('GET', '/api/datanets/mails')
    expect(shown.json.versions).toHaveLength(1)
    expect(shown.json.contributors.reduce((n: number, c: { records: number }) => n + c.records, 0)).toBe(4)
    const listed = await call('GET', `/api/datanets/${created.json.id}/records?limit=2`)
    expect(listed.json.total).toBe(4)
    expect(listed.json.records).toHaveLength(2)
  })

  it('refuses a malformed JSONL line with 400 and the message the CLI prints, naming the line', async () => {
    const bad = Buffer.concat([jsonl([{ contributor: devWallet(1).address, content: 'fine', label: 'ham' }]), Buffer.from('{"contributor": "0x12", "content": "x"}\n')])
    const r = await call('POST', '/api/datanets/mails/records?file=records.jsonl', undefined, bad)
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ ok: false, error: expect.objectContaining({ code: 'RECORD_MALFORMED', message: 'records.jsonl:2 field "contributor": "0x12" is not a 20-byte address (0x followed by 40 hex digits)' }) })
    expect((await call('GET', '/api/datanets/mails')).json.versions).toHaveLength(1) // nothing imported
  })

  it('imports an upload of another tool\'s shape with the CLI\'s map, contributor and rest as query parameters, and refuses a bad map with 400', async () => {
    expect((await call('POST', '/api/datanets', { name: 'reviews' })).status).toBe(200)
    const foreign = jsonl([{ text: 'a fine film', label: 2, date: '2024-01-02' }, { text: 'a dull film', label: 0 }])
    const who = devWallet(2).address
    const bad = await call('POST', `/api/datanets/reviews/records?file=hf.jsonl&map=content:text,label:text&contributor=${who}`, undefined, foreign)
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ code: 'RECORD_SHAPE_OPTION', message: 'map label:text: source field "text" is already mapped to content (map content:text); one field feeds one record field' })
    const refused = await call('POST', `/api/datanets/reviews/records?file=hf.jsonl&map=content:text&contributor=${who}`, undefined, foreign)
    expect(refused.json.error.message).toMatch(/^hf\.jsonl:1 field "date": unknown field .*keep unread fields in metadata with rest metadata\)$/)
    const imported = await call('POST', `/api/datanets/reviews/records?file=hf.jsonl&map=content:text&contributor=${who.toLowerCase()}&rest=metadata`, undefined, foreign)
    expect(imported.status).toBe(200)
    expect(imported.json).toMatchObject({ added: 2, version: 1 })
    const listed = await call('GET', '/api/datanets/reviews/records')
    expect(listed.json.records.map((r: { contributor: string; label: string }) => [r.contributor, r.label])).toEqual([[who, '2'], [who, '0']])
  })

  it('refuses an upload over the limit with 413 naming its size and the limit', async () => {
    const r = await call('POST', '/api/datanets/mails/records?file=big.jsonl', undefined, Buffer.alloc(MAX_UPLOAD + 1, 0x20))
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe('UPLOAD_TOO_LARGE')
    expect(r.json.error.message).toBe(`the upload of ${(MAX_UPLOAD + 1).toLocaleString('en-US')} bytes is over the limit of ${MAX_UPLOAD.toLocaleString('en-US')} bytes (split the file, or start poa serve with a larger --max-upload-bytes)`)
  })

  it('answers bad requests with the PoaError code and a message naming the field', async () => {
    const name = await call('POST', '/api/datanets', { name: '../etc' })
    expect(name.status).toBe(400)
    expect(name.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'name' } })
    const unknown = await call('GET', '/api/datanets/nope')
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.code).toBe('DATANET_NOT_FOUND')
    const base = await call('POST', '/api/models/train', { name: 'm', datanet: 'mails', baseModel: 'gpt' })
    expect(base.json.error.message).toBe('baseModel: expected one of hashing-v1, word-1-2, char-1-3, got "gpt"')
    const fee = await call('POST', '/api/inferences', { modelId: 1, text: 'hi', feeOpen: '-1' })
    expect(fee.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'feeOpen' } })
    const projection = await call('POST', '/api/models/train', { name: 'm', datanet: 'mails', baseModel: 'hashing-v1', projection: 'random' })
    expect(projection.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'projection' } })
    const inference = await call('GET', `/api/inferences/0x${'ab'.repeat(32)}`)
    expect(inference.status).toBe(409) // no settlement on this chain yet
    expect(inference.json.error.code).toBe('CHAIN_CONTRACT_NOT_DEPLOYED')
    const job = await call('GET', '/api/jobs/abc')
    expect(job.status).toBe(404)
    expect(job.json.error.code).toBe('JOB_NOT_FOUND')
  })

  it('serves the page, Chart.js from node_modules and the base models as a list', async () => {
    const page = await call('GET', '/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('/vendor/chart.js/chart.umd.min.js')
    const chart = await app.inject({ method: 'GET', url: '/vendor/chart.js/chart.umd.min.js' })
    expect(chart.statusCode).toBe(200)
    expect(chart.body).toContain('Chart')
    const base = await call('GET', '/api/base-models')
    expect(base.json.baseModels.map((b: { id: string }) => b.id)).toContain('hashing-v1')
    expect(base.json.featureCount).toBe(8)
  })

  /** Start a job, wait for the registry to run it, and return its final snapshot. */
  async function runJob(url: string, body: object) {
    const started = await call('POST', url, body)
    expect(started.status).toBe(200)
    await jobs.idle()
    return (await call('GET', `/api/jobs/${started.json.id}`)).json
  }

  it('trains an OpenLoRA base on a datanet version as a job with per-epoch figures, listed as a lora base; a second base of that name is refused', async () => {
    const job = await runJob('/api/bases/train', { name: 'shared', datanet: 'mails', hiddenDim: 16, epochs: 2 })
    expect(job).toMatchObject({ kind: 'train-base', state: 'done', result: { id: 'lora:shared', hiddenDim: 16, labels: ['ham', 'spam'] } })
    expect(job.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2])
    expect(job.epochs.every((e: { loss: number; accuracy: number }) => e.loss > 0 && e.accuracy >= 0 && e.accuracy <= 1)).toBe(true)
    const listed = (await call('GET', '/api/base-models')).json
    const lora = listed.baseModels.find((b: { id: string }) => b.id === 'lora:shared')
    expect(lora).toMatchObject({ kind: 'lora', name: 'shared', hiddenDim: 16, sha256: job.result.sha256, bytes: job.result.bytes })
    expect(listed.baseModels.find((b: { id: string }) => b.id === 'hashing-v1').kind).toBe('head')
    const again = await call('POST', '/api/bases/train', { name: 'shared', datanet: 'mails' })
    expect(again.status).toBe(400)
    expect(again.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'name' } })
  })

  it('fine-tunes an adapter on the LoRA base with its epochs reported, lists its bytes against the base bytes, and registers it', async () => {
    const job = await runJob('/api/models/train', { name: 'mails-lora', datanet: 'mails', baseModel: 'lora:shared', rank: 2, epochs: 3 })
    expect(job.error).toBeUndefined()
    expect(job.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3])
    expect(job.steps.map((s: { step: string }) => s.step)).toEqual(['training', 'trained', 'indexed'])
    expect(job.result).toMatchObject({ kind: 'lora', adapter: { base: 'shared', rank: 2 }, training: { iterations: 3 }, index: { count: 4, k: 8 } })
    expect(job.result.adapter.adapterBytes).toBeLessThan(job.result.adapter.baseBytes)
    const model = (await call('GET', '/api/models')).json.find((m: { name: string }) => m.name === 'mails-lora')
    expect(model).toMatchObject({ kind: 'lora', adapter: { base: 'shared', rank: 2, adapterBytes: job.result.adapter.adapterBytes, baseBytes: job.result.adapter.baseBytes } })
    // Registration binds a committed datanet root: commit v1 first, as the page's flow does.
    expect((await runJob('/api/datanets/mails/commit', { version: 1 })).state).toBe('done')
    const registered = await runJob('/api/models/mails-lora/register', { datanet: 'mails', version: 1 })
    expect(registered.error).toBeUndefined()
    expect((await call('GET', '/api/models')).json.find((m: { name: string }) => m.name === 'mails-lora').registered).toEqual([
      { modelId: registered.result.modelId.toString(), datanetId: expect.any(String), datanetVersion: '1' },
    ])
  })

  it('fine-tunes a linear head on a vectoriser base (kind head) with L-BFGS epochs reported', async () => {
    const job = await runJob('/api/models/train', { name: 'mails-head', datanet: 'mails', baseModel: 'hashing-v1', l2: 0.01 })
    expect(job.error).toBeUndefined()
    expect(job.result).toMatchObject({ kind: 'head', index: { count: 4, k: 8 } })
    expect(job.result.adapter).toBeUndefined()
    expect(job.epochs.length).toBe(job.result.training.iterations)
    expect((await call('GET', '/api/models')).json.find((m: { name: string }) => m.name === 'mails-head')).toMatchObject({ kind: 'head', vectorizer: 'hashing-v1' })
  })

  it('refuses a bad adapter rank or epochs naming the field, and an unknown base naming the bases there are', async () => {
    for (const rank of [0, 65, 2.5, 'four']) {
      const r = await call('POST', '/api/models/train', { name: 'm', datanet: 'mails', baseModel: 'lora:shared', rank })
      expect(r.status).toBe(400)
      expect(r.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'rank' } })
      expect(r.json.error.message).toBe(`rank: expected an integer in [1, 64], got ${JSON.stringify(rank)}`)
    }
    const epochs = await call('POST', '/api/models/train', { name: 'm', datanet: 'mails', baseModel: 'lora:shared', epochs: 100_000 })
    expect(epochs.json.error.message).toBe('epochs: expected an integer in [1, 200], got 100000')
    for (const baseModel of ['lora:none', 'lora:../shared', 'shared']) {
      const r = await call('POST', '/api/models/train', { name: 'm', datanet: 'mails', baseModel })
      expect(r.status).toBe(400)
      expect(r.json.error.message).toBe(`baseModel: expected one of hashing-v1, word-1-2, char-1-3, lora:shared, got ${JSON.stringify(baseModel)}`)
    }
    const width = await call('POST', '/api/bases/train', { name: 'wide', datanet: 'mails', hiddenDim: 1 })
    expect(width.json.error).toMatchObject({ code: 'API_INPUT', meta: { field: 'hiddenDim' } })
    expect(jobs.list().filter((j) => j.kind.startsWith('train')).length).toBe(3) // nothing refused was started
  })

  it("lists the Governor's proposals with their state, and no rewards before any settlement", async () => {
    expect((await call('GET', '/api/governance')).json).toEqual({ governor: null, proposals: [] })
    expect((await call('GET', '/api/rewards')).json).toEqual({ settlement: null, accounts: [] })
    const proposed = await withChainSession({ home, chain: chain.target }, async (c) => {
      const gov = await deployGovernance({ signer: c.signer, token: c.deployment.contracts.OpenToken, settings: { votingDelayBlocks: 1 } })
      await c.recordDeployment({ PoaGovernor: gov.governor, TimelockController: gov.timelock })
      await delegateVotes({ signer: c.signer, token: c.deployment.contracts.OpenToken, delegatee: c.signerAddress })
      await c.mine({ blocks: 1 }) // votes count from the block after the delegation
      const calls = [await buildGovernanceCall({ action: 'set-timelock-delay', args: ['7200'], addresses: { governor: gov.governor, timelock: gov.timelock, token: c.deployment.contracts.OpenToken } })]
      return { governor: gov.governor, ...(await proposeGovernance({ signer: c.signer, governor: gov.governor, calls, description: 'a longer timelock' })) }
    })
    const listed = await call('GET', '/api/governance')
    expect(listed.json).toEqual({
      governor: proposed.governor,
      proposals: [{ proposalId: proposed.proposalId.toString(), proposer: chain.signerAddress, description: 'a longer timelock', state: 'Pending', blockNumber: proposed.blockNumber }],
    })
  })

  it('never sends the node key, in any response', async () => {
    for (const url of ['/api/status', '/api/datanets', '/api/models', '/api/rewards', '/api/governance', '/api/jobs']) expect((await call('GET', url)).status).toBe(200)
    const status = JSON.parse(bodies.find((b) => b.includes('"signer"'))!)
    expect(status.chain.signer).toBe(devWallet(0).address)
    const key = devWallet(0).privateKey.slice(2).toLowerCase()
    for (const body of bodies) expect(body.toLowerCase()).not.toContain(key)
    expect(bodies.length).toBeGreaterThan(15)
  })
})

describe('poa serve listen address', () => {
  it('tells loopback addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.8.9.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true)
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) expect(isLoopbackHost(h)).toBe(false)
    expect(checkBindHost({ host: '0.0.0.0', allowRemote: true })).toBe('0.0.0.0')
  })

  it('refuses a non-loopback host without --allow-remote, before opening any chain', async () => {
    await expect(startDashboard({ home: join(home, 'never'), host: '0.0.0.0' })).rejects.toMatchObject({ code: 'SERVE_REMOTE_BIND' })
    const run = runPoa(join(home, 'cli'), '--json', 'serve', '--host', '0.0.0.0')
    expect(run.status).toBe(2)
    expect(run.json.error.code).toBe('SERVE_REMOTE_BIND')
    expect(run.json.error.message).toContain('--host 0.0.0.0 is not a loopback address')
    expect(run.json.error.message).toContain('--allow-remote')
  })
})

