// Issue 14: every role does its own job from the CLI, in its own process and home, with its own
// key, on one shared chain started by `poa chain start`. Data and models travel between homes the
// way they would between people (the same records file, a copied model folder, the query text).
import { afterAll, describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/index.ts'
import { devAccounts } from '../prover/chain/localNode.ts'
import { runPoa } from './runPoa.ts'

const root = mkdtempSync(join(tmpdir(), 'poa-roles-'))
const homes = Object.fromEntries(['chain', 'owner', 'modeller', 'host', 'prover', 'auditor', 'contributor'].map((r) => [r, join(root, r)])) as Record<string, string>
const keys = devAccounts(10)
const OPERATOR = keys[0] // deploys the settlement; holds the OPEN supply, so it also pays for inferences (the host)
const OWNER = keys[1]
const MODELLER = keys[2]
const PROVER = keys[3]
const CONTRIBUTORS = keys.slice(5, 10)

afterAll(() => {
  runPoa(homes.chain, 'chain', 'stop')
})

/** Run poa in a role's home and expect success; returns the JSON result. */
function ok(home: string, ...args: string[]): any {
  const run = runPoa(home, '--json', ...args)
  expect(run.status, `poa ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0)
  return run.json.result
}

describe('five roles, five keys, one shared chain', () => {
  it('owner commits, modeller registers, host records, prover proves and settles, auditor passes, contributors withdraw', () => {
    const node = ok(homes.chain, 'chain', 'start', '--port', '0')
    const rpc = (key: { privateKey: string }) => ['--rpc', node.url, '--private-key', key.privateKey]

    // Records someone else wrote (Spam Assassin mail), contributed by five accounts whose keys the test holds.
    const mails = loadSpamAssassin({ limit: 40 })
    const file = join(root, 'mail.jsonl')
    writeFileSync(file, mails.slice(0, 32).map((m, i) => JSON.stringify({ contributor: CONTRIBUTORS[i % 5].address, content: m.content, label: m.label })).join('\n'))
    const used = new Set(mails.slice(0, 32).map((m) => m.content))
    const query = loadSpamAssassin({ limit: 200, seed: 7 }).find((m) => m.label === 'spam' && !used.has(m.content))!.content

    // Datanet owner: create, import, commit under its own key (the on-chain owner is --owner).
    ok(homes.owner, 'datanet', 'create', 'mail', '--owner', OWNER.address, '--depth', '8')
    const imported = ok(homes.owner, 'datanet', 'import', 'mail', file)
    const committed = ok(homes.owner, 'datanet', 'commit', 'mail', ...rpc(OWNER))
    expect(committed.owner).toBe(OWNER.address)

    // Operator: the settlement and the tiny circuit's verifier, recorded once on the node.
    ok(homes.chain, 'settlement', 'deploy', ...rpc(OPERATOR))

    // Model owner: the same records (same root), train, index, register under its key.
    ok(homes.modeller, 'datanet', 'create', 'mail', '--owner', OWNER.address, '--depth', '8')
    expect(ok(homes.modeller, 'datanet', 'import', 'mail', file).root).toBe(imported.root)
    ok(homes.modeller, 'model', 'train', '--name', 'spam-clf', '--datanet', 'mail', '--k', '8')
    ok(homes.modeller, 'model', 'index', '--model', 'spam-clf', '--datanet', 'mail')
    const model = ok(homes.modeller, 'model', 'register', '--model', 'spam-clf', '--datanet', 'mail', ...rpc(MODELLER))
    expect(model.owner).toBe(MODELLER.address)

    // Host: serves a copy of the model, records a paid inference for a query it keeps.
    cpSync(join(homes.modeller, 'models'), join(homes.host, 'models'), { recursive: true })
    const recorded = ok(homes.host, 'inference', 'record', '--model', String(model.modelId), '--text', query, '--fee', '10', ...rpc(OPERATOR))
    const inferenceId: string = recorded.inferenceId

    // Prover: its own copies of the records, the model and its index; the host hands it the query text.
    ok(homes.prover, 'datanet', 'create', 'mail', '--owner', OWNER.address, '--depth', '8')
    ok(homes.prover, 'datanet', 'import', 'mail', file)
    cpSync(join(homes.modeller, 'models'), join(homes.prover, 'models'), { recursive: true })
    const queryFile = join(root, 'query.txt')
    writeFileSync(queryFile, query)
    ok(homes.prover, 'inference', 'save-query', inferenceId, '--file', queryFile)
    const proved = ok(homes.prover, 'prove', inferenceId, ...rpc(PROVER))
    expect(proved.file).toBe(join(homes.prover, 'proofs', `${inferenceId}.json`))
    const settled = ok(homes.prover, 'settle', inferenceId, ...rpc(PROVER))
    expect(settled.inferenceId).toBe(inferenceId)
    const paid = settled.payouts.filter((p: { amountWei: string }) => BigInt(p.amountWei) > 0n)
    expect(paid.length).toBeGreaterThan(0)

    // Auditor: re-checks from the chain and its own copies; signs nothing.
    cpSync(join(homes.prover, 'poa.sqlite'), join(homes.auditor, 'poa.sqlite'))
    cpSync(join(homes.modeller, 'models'), join(homes.auditor, 'models'), { recursive: true })
    const audit = runPoa(homes.auditor, '--json', 'audit', inferenceId, '--rpc', node.url, '--datanet', 'mail', '--model', 'spam-clf', '--query-file', queryFile)
    expect(audit.status, audit.stdout + audit.stderr).toBe(0)
    expect(audit.json.result.ok).toBe(true)

    // Contributors: anyone credits the payouts, each paid contributor withdraws with its own key.
    ok(homes.contributor, 'rewards', 'claim', inferenceId, ...rpc(PROVER))
    const first = CONTRIBUTORS.find((c) => c.address === paid[0].contributor)!
    const balance = ok(homes.contributor, 'rewards', 'balance', ...rpc(first))
    expect(BigInt(balance.balanceWei)).toBeGreaterThanOrEqual(BigInt(paid[0].amountWei))
    const withdrawn = ok(homes.contributor, 'rewards', 'withdraw', ...rpc(first))
    expect(BigInt(withdrawn.amountWei)).toBe(BigInt(balance.balanceWei))
  }, 1_200_000)
})
