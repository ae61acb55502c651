import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatanetStore } from '../prover/datanet/index.ts'
import { BN254_BASE_FIELD } from '../prover/field/index.ts'
import { loadModel, modelDir, saveModel, scoreReference, trainModel } from '../prover/influence/index.ts'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { auditInference, type AuditReport } from '../prover/audit/auditInference.ts'
import { attributeInference, CandidatePositionsError, candidatesOfScores } from '../prover/proof/attributeInference.ts'
import { createWorld, KEYS, PARAMS, proveAndSettle, recordQuery, type World } from './auditFixture.ts'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'poa-audit-'))
let world: World
let honest: { inferenceId: string; text: string }
let dishonest: { inferenceId: string; text: string; top: number[]; paid: number[] }

beforeAll(async () => {
  world = await createWorld({ home: join(dir, 'home') })
  const text = world.queries[0]
  const a = await recordQuery(world, text)
  await proveAndSettle(world, a.inferenceId, text)
  honest = { inferenceId: a.inferenceId, text }

  // The dishonest prover: drops the best record and proves a valid split over the next K.
  const text2 = world.queries[1]
  const b = await recordQuery(world, text2)
  const scores = scoreReference({ features: world.index.features, k: PARAMS.featureCount, query: b.query.features })
  const ranked = candidatesOfScores(scores, PARAMS.candidateSlots + 1).map((c) => c.position)
  expect(ranked.length).toBe(PARAMS.candidateSlots + 1)
  const paid = ranked.slice(1)
  const settled = await proveAndSettle(world, b.inferenceId, text2, { positions: paid })
  expect(settled.settled.payouts.length).toBe(paid.length)
  dishonest = { inferenceId: b.inferenceId, text: text2, top: ranked.slice(0, PARAMS.candidateSlots), paid }
}, 600_000)

afterAll(async () => {
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function audit(inferenceId: string, text: string, options: { home?: string; model?: string } = {}): Promise<AuditReport> {
  const home = options.home ?? world.home
  const store = openDatanetStore({ home })
  try {
    const model = await loadModel(options.model ?? modelDir(home, 'spam-linear'))
    return await auditInference({ chain: world.chain, settlement: world.settlement, inferenceId, store, datanet: world.datanetId, model, queryText: text })
  } finally {
    store.close()
  }
}

const check = (r: AuditReport, name: string) => r.checks.find((c) => c.name === name)!

describe('poa audit', () => {
  it('passes every check on an honest settlement', async () => {
    const r = await audit(honest.inferenceId, honest.text)
    expect(r.checks.map((c) => c.name)).toEqual(['settlement', 'verifier', 'proof', 'publicInputs', 'model', 'query', 'datanetData', 'indexFeatures', 'scores', 'payouts', 'topK'])
    expect(r.failed).toEqual([])
    expect(r.ok).toBe(true)
  })

  it('catches a dishonest prover that left out the best record, by the top-K check alone', async () => {
    const r = await audit(dishonest.inferenceId, dishonest.text)
    // The proof is valid and the split is exact: only the choice of candidates is wrong.
    expect(r.failed).toEqual(['topK'])
    expect(check(r, 'proof').ok).toBe(true)
    expect(check(r, 'payouts').ok).toBe(true)
    expect(check(r, 'topK').difference!.what).toMatch(new RegExp(`^record ${dishonest.top[0]} \\(score \\d+, rank 1 of 48\\)`))
  })

  it('fails the datanetData check when a record content or label changed in the local store copy', async () => {
    // Labels are committed in the leaf: a copy whose record 5 was relabelled no longer gives the root.
    const relabelled = join(dir, 'relabelled')
    cpSync(world.home, relabelled, { recursive: true })
    const db0 = new Database(join(relabelled, 'poa.sqlite'))
    try {
      db0.exec('DROP TRIGGER records_no_update')
      db0.prepare("UPDATE records SET label = CASE label WHEN 'spam' THEN 'ham' ELSE 'spam' END WHERE datanet_id = ? AND position = ?").run(world.datanetId, 5)
    } finally {
      db0.close()
    }
    const byLabel = await audit(honest.inferenceId, honest.text, { home: relabelled })
    expect(byLabel.failed).toContain('datanetData')
    expect(check(byLabel, 'datanetData').difference!.what).toBe('record 5 contributor, content and label')

    const home = join(dir, 'tampered')
    cpSync(world.home, home, { recursive: true })
    const path = openDatanetStore({ home })
    const file = path.path
    path.close()
    const db = new Database(file)
    try {
      // The store refuses updates by trigger; a tamperer would edit the file anyway.
      db.exec('DROP TRIGGER records_no_update')
      db.prepare('UPDATE records SET content = ? WHERE datanet_id = ? AND position = ?').run(Buffer.from('Subject: edited\n\nnot the committed mail'), world.datanetId, 5)
    } finally {
      db.close()
    }
    const r = await audit(honest.inferenceId, honest.text, { home })
    expect(r.ok).toBe(false)
    expect(r.failed).toContain('datanetData')
    expect(check(r, 'datanetData').difference!.what).toBe('record 5 contributor, content and label')
    expect(check(r, 'proof').ok).toBe(true)
  })

  it('fails the model check when given a different model file', async () => {
    const other = await trainModel({ name: 'other', records: loadSpamAssassin({ limit: 40, seed: 3 }), projection: { k: PARAMS.featureCount }, l2: 0.01 })
    const otherDir = join(dir, 'other-model')
    await saveModel({ dir: otherDir, ...other })
    const r = await audit(honest.inferenceId, honest.text, { model: otherDir })
    expect(r.ok).toBe(false)
    expect(r.failed[0]).toBe('model')
    expect(check(r, 'model').difference!.expected).toBe(BigInt(world.model.manifest.modelHash).toString())
    expect(r.failed).toContain('query')
  })

  it('fails the query check on a query text other than the committed one', async () => {
    const r = await audit(honest.inferenceId, `${honest.text} `)
    expect(r.failed).toContain('query')
    expect(check(r, 'query').difference!.what).toBe('Poseidon(inputHash, featureHash(phi_q))')
  })

  it('fails the verifier and proof checks with the key of another circuit (--vkey)', async () => {
    const store = openDatanetStore({ home: world.home })
    try {
      // The key of another setup, made here so the test needs no other test's build output: the
      // same key with IC[0] negated, a valid curve point that the deployed verifier does not hold.
      const vkey = structuredClone(world.keys.verificationKey)
      vkey.IC[0] = [vkey.IC[0][0], (BN254_BASE_FIELD - BigInt(vkey.IC[0][1])).toString(), vkey.IC[0][2]]
      const vkeyPath = join(dir, 'other-setup.vkey.json')
      writeFileSync(vkeyPath, JSON.stringify(vkey))
      const r = await auditInference({ chain: world.chain, settlement: world.settlement, inferenceId: honest.inferenceId, store, datanet: world.datanetId, model: world.model, queryText: honest.text, vkeyPath })
      expect(r.failed).toEqual(['verifier', 'proof'])
      expect(check(r, 'verifier').detail).toMatch(/absent \(another setup\)/)
    } finally {
      store.close()
    }
  })

  it('fails the query check, and cannot rank candidates, without the query text', async () => {
    const store = openDatanetStore({ home: world.home })
    try {
      const r = await auditInference({ chain: world.chain, settlement: world.settlement, inferenceId: honest.inferenceId, store, datanet: world.datanetId, model: world.model })
      expect(r.failed).toEqual(['query', 'scores', 'payouts', 'topK'])
      expect(check(r, 'query').difference!.got).toBe('none')
    } finally {
      store.close()
    }
  })

  it('poa audit exits 0 on an honest settlement and 4 naming topK on the dishonest one (--json, JSON-RPC)', async () => {
    const queryFile = join(dir, 'q2.txt')
    writeFileSync(queryFile, dishonest.text)
    const args = (id: string, extra: string[]) => ['cli/bin.js', '--json', '--home', world.home, 'audit', id, '--rpc', world.url, '--datanet', String(world.datanetId), '--model', 'spam-linear', ...extra]
    const ok = await run(process.execPath, args(honest.inferenceId, []), { timeout: 300_000 })
    const okJson = JSON.parse(ok.stdout)
    expect(okJson.result.ok).toBe(true)
    const bad = await run(process.execPath, args(dishonest.inferenceId, ['--query-file', queryFile]), { timeout: 300_000 }).then(() => undefined, (e: any) => e)
    expect(bad?.code).toBe(4)
    const badJson = JSON.parse(bad.stdout)
    expect(badJson.result.failed).toEqual(['topK'])
    const all = await run(process.execPath, ['cli/bin.js', '--json', '--home', world.home, 'audit', '--all', '--from-block', '0', '--rpc', world.url, '--datanet', String(world.datanetId), '--model', 'spam-linear'], { timeout: 300_000 }).then(() => undefined, (e: any) => e)
    expect(all?.code).toBe(4)
    const reports = JSON.parse(all.stdout).result.reports as AuditReport[]
    expect(reports.map((r) => r.inferenceId)).toEqual([honest.inferenceId, dishonest.inferenceId])
    expect(reports.map((r) => r.ok)).toEqual([true, false])
  })

  it('refuses a malformed inference id with a usage error', async () => {
    const bad = await run(process.execPath, ['cli/bin.js', '--json', '--home', world.home, 'audit', '0x12', '--rpc', world.url, '--private-key', KEYS[0], '--datanet', '1', '--model', 'spam-linear']).then(() => undefined, (e: any) => e)
    expect(bad?.code).toBe(2)
    expect(JSON.parse(bad.stdout).error.message).toMatch(/0x12/)
  })
})

describe('poa audit on the embedded chain', () => {
  it('passes on the settlement poa demo made, reading the chain from <home>/chain', async () => {
    const home = join(dir, 'demo')
    const demo = await run(process.execPath, ['cli/bin.js', '--json', '--home', home, 'demo', '--records', '32'], { maxBuffer: 64 << 20, timeout: 600_000 })
    const report = JSON.parse(demo.stdout).result
    const queryFile = join(dir, 'demo-query.txt')
    writeFileSync(queryFile, report.query.text)
    const audited = await run(process.execPath, [
      // The demo keeps its run's data (store, model, embedded chain journal) in report.home.
      'cli/bin.js', '--json', '--home', report.home, 'audit', report.inference.inferenceId, '--datanet', report.datanet.name, '--model', report.model.name, '--query-file', queryFile,
    ], { timeout: 300_000 })
    const r = JSON.parse(audited.stdout).result as AuditReport
    expect(r.failed).toEqual([])
    expect(r.circuit).toBe('attribution_d8_k128_K2')
    // The demo's paid contributors are the records the audit found for the settled slots.
    const paid = r.checks.find((c) => c.name === 'payouts')!.detail
    for (const c of report.contributors) expect(paid).toContain(String(c.position))
  }, 900_000)
})

describe('candidate rule', () => {
  it('takes the top K scores, ties to the lower position, and keeps only positive ones', () => {
    expect(candidatesOfScores([5n, 9n, 9n, 0n, 7n], 3)).toEqual([{ position: 1, score: 9n }, { position: 2, score: 9n }, { position: 4, score: 7n }])
    expect(candidatesOfScores([-3n, 0n, 2n, -1n], 3)).toEqual([{ position: 2, score: 2n }])
    expect(candidatesOfScores([0n, -1n], 3)).toEqual([])
  })

  it('refuses explicit positions that repeat, exceed K or fall outside the index, naming them', async () => {
    const base = {
      circuit: world.circuit, keys: world.keys, params: PARAMS, index: world.index, records: world.records,
      query: { inputHash: 1n, features: Array(PARAMS.featureCount).fill(1n) }, poolWei: 100n,
      settlement: { chainId: 31337n, address: world.settlement, inferenceId: `0x${'11'.repeat(32)}`, prover: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
    }
    await expect(attributeInference({ ...base, positions: [1, 1] })).rejects.toThrow(/positions \[1, 1\]: a position repeats/)
    await expect(attributeInference({ ...base, positions: [0, 1, 2, 3] })).rejects.toThrow(/more than K = 3/)
    await expect(attributeInference({ ...base, positions: [48] })).rejects.toThrow(CandidatePositionsError)
    await expect(attributeInference({ ...base, positions: [48] })).rejects.toThrow(/48 is not a position in \[0, 48\)/)
  })
})
