// The model owner's step from the CLI (issue 14, item 2): `poa model register` puts a trained and
// indexed model on-chain over a committed datanet version, and refuses one the chain does not hold.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/index.ts'
import { poaResult, runPoa } from './runPoa.ts'
import { loadAttributionIndex } from '../prover/index/index.ts'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-model-register-'))

describe('poa model register', () => {
  it('registers an indexed model over the committed version, after refusing an uncommitted one; prove survives a SIGKILL, settle a retry', async () => {
    const file = join(home, 'mail.jsonl')
    const mails = loadSpamAssassin({ limit: 40 })
    writeFileSync(file, mails.map((m) => JSON.stringify({ contributor: m.contributor, content: m.content, label: m.label })).join('\n'))
    const ok = (...args: string[]) => poaResult(home, ...args)
    ok('datanet', 'create', 'mail', '--depth', '8', '--owner', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    ok('datanet', 'import', 'mail', file)
    ok('model', 'train', '--name', 'clf', '--datanet', 'mail', '--k', '8')
    const index = ok('model', 'index', '--model', 'clf', '--datanet', 'mail')
    // Issue 21: an index build SIGKILLed once it reports progress leaves the finished index as it
    // was (a save goes to a temporary folder first), and the rerun builds the same root.
    const rebuild = spawn(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--home', home, 'model', 'index', '--model', 'clf', '--datanet', 'mail'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const rebuilt = new Promise<NodeJS.Signals | null>((resolve) => rebuild.once('exit', (_code, signal) => resolve(signal)))
    rebuild.stderr.on('data', (chunk: Buffer) => {
      if (/index features: /.test(chunk.toString())) rebuild.kill('SIGKILL')
    })
    await rebuilt
    expect((await loadAttributionIndex(index.dir)).tree.root).toBe(BigInt(index.root))
    expect(ok('model', 'index', '--model', 'clf', '--datanet', 'mail').root).toBe(index.root)

    const early = runPoa(home, '--json', 'model', 'register', '--model', 'clf', '--datanet', 'mail')
    expect(early.status).toBe(3)
    expect(early.json.error).toMatchObject({ code: 'MODEL_DATANET_NOT_ON_CHAIN' })
    expect(early.json.error.message).toMatch(/no on-chain datanet committed this root as this version \(commit it: poa datanet commit\)/)

    const committed = ok('datanet', 'commit', 'mail')
    const registered = ok('model', 'register', '--model', 'clf', '--datanet', 'mail', '--account', '2')
    expect(registered).toMatchObject({ modelId: '1', chainDatanetId: String(committed.chainDatanetId), datanetVersion: 1, k: 8, indexRoot: String(BigInt(index.root)) })
    expect(registered.owner).toBe('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC') // development account 2

    const wrong = runPoa(home, '--json', 'model', 'register', '--model', 'clf', '--datanet', 'mail', '--chain-datanet', '7')
    expect(wrong.status).toBe(3)
    expect(wrong.json.error.message).toMatch(/on-chain datanet 7 has no version 1|DatanetUnknown/)

    // A prover that picks a circuit set of another depth or k is told which set fits, before any scoring.
    ok('settlement', 'deploy')
    const recorded = ok('inference', 'record', '--model', '1', '--text', mails[0].content, '--fee', '1')
    const misfit = runPoa(home, '--json', 'prove', recorded.inferenceId, '--circuit', 'demo')
    expect(misfit.status, misfit.stdout + misfit.stderr).toBe(3)
    expect(misfit.json.error.code).toBe('INFERENCE_NOT_PROVABLE')
    expect(misfit.json.error.message).toMatch(/circuit set "demo" proves depth 8 and k = 128, the index has depth 8 and k = 8 \(use --circuit tiny\)/)

    // Issue 21: `poa prove <id>` SIGKILLed while proving leaves no proof file (whole or half) and no
    // lock that stops the next run, which proves it from scratch.
    const proofs = join(home, 'proofs')
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--home', home, 'prove', recorded.inferenceId], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        // The chain is open (its journal replayed): scoring and proving take about 10 s from here.
        if (/replaying embedded chain: .*\(100%\)/.test(stderr)) setTimeout(resolve, 1_500)
      })
      void exited.then((code) => reject(new Error(`prove exited (${code}) before proving:\n${stderr}`)))
    })
    child.kill('SIGKILL')
    await exited
    expect(existsSync(proofs) ? readdirSync(proofs).filter((f) => f.endsWith('.json')) : []).toEqual([])
    const proved = ok('prove', recorded.inferenceId)
    expect(readdirSync(proofs)).toEqual([`${recorded.inferenceId}.json`])

    // A settle retried after its transaction landed (its answer lost in a crash) sends nothing and
    // says so; a settled inference is never settled twice.
    const settled = ok('settle', recorded.inferenceId)
    expect(settled.alreadySettled).toBeUndefined()
    const again = ok('settle', recorded.inferenceId)
    expect(again).toMatchObject({ alreadySettled: true, txHash: settled.txHash, payoutSlots: settled.payoutSlots })
    expect(proved.file).toBe(join(proofs, `${recorded.inferenceId}.json`))
  }, 600_000)
})
