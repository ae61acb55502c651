// Issue 17: the attribution statement proven with UltraHonk from the CLI, on the embedded chain: the
// settlement approves the Noir program's verifier, a host records under its circuit id, `poa prove
// --system ultrahonk` proves the Noir version of the same statement from the same witness builder,
// `poa settle` settles it (about 2M gas: bb.js's verifier), `poa verify` and `poa audit` pass, and
// `poa challenge --system ultrahonk` checks the settlement with the Noir challenge program's keys.
// Opt-in (POA_ULTRAHONK_CLI=1): its first run makes a 2^15 powers of tau for the CRS (the tiny Noir
// program is 25,955 gates, circuit size 2^15), minutes that CI's 30-minute budget does not have yet.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassin } from '../prover/dataset/index.ts'
import { poaResult, runPoa } from './runPoa.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-ultrahonk-cli-'))

describe.skipIf(process.env.POA_ULTRAHONK_CLI !== '1')('poa with --system ultrahonk', () => {
  it('deploys the UltraHonk verifier, records, proves, settles, verifies and audits an inference', () => {
    const mails = loadSpamAssassin({ limit: 40 })
    const file = join(home, 'mail.jsonl')
    writeFileSync(file, mails.map((m) => JSON.stringify({ contributor: m.contributor, content: m.content, label: m.label })).join('\n'))
    const ok = (...args: string[]) => poaResult(home, ...args)
    ok('datanet', 'create', 'mail', '--depth', '8', '--owner', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    ok('datanet', 'import', 'mail', file)
    ok('model', 'train', '--name', 'clf', '--datanet', 'mail', '--k', '8')
    ok('model', 'index', '--model', 'clf', '--datanet', 'mail')
    ok('datanet', 'commit', 'mail')
    ok('model', 'register', '--model', 'clf', '--datanet', 'mail')
    const deployed = ok('settlement', 'deploy', '--system', 'ultrahonk')
    expect(Object.keys(deployed.verifiers)).toEqual(['noir_attribution_d8_k8_K3'])
    const recorded = ok('inference', 'record', '--model', '1', '--text', mails[0].content, '--fee', '1', '--system', 'ultrahonk')
    expect(recorded.circuitId).toBe(deployed.circuitIds.noir_attribution_d8_k8_K3)
    // Groth16 keys have another circuit id: the recorded circuit decides which system proves.
    const wrong = runPoa(home, '--json', 'prove', recorded.inferenceId)
    expect(wrong.status).toBe(3)
    expect(wrong.json.error.message).toMatch(/it was recorded for circuit 0x[0-9a-f]{64}/)
    const proved = ok('prove', recorded.inferenceId, '--system', 'ultrahonk')
    expect(proved.circuit).toBe('noir_attribution_d8_k8_K3')
    const settled = ok('settle', recorded.inferenceId)
    expect(BigInt(settled.gasUsed)).toBeGreaterThan(1_500_000n)
    expect(ok('verify', proved.file)).toMatchObject({ valid: true, circuit: 'noir_attribution_d8_k8_K3' })
    const audit = ok('audit', recorded.inferenceId, '--datanet', 'mail', '--model', 'clf')
    expect(audit).toMatchObject({ ok: true, circuit: 'noir_attribution_d8_k8_K3' })
    // The deploy approved the Noir challenge program's verifier for the Noir attribution program: a
    // validator checks the honest settlement with UltraHonk's challenge keys and finds no fault.
    expect(ok('challenge', recorded.inferenceId, '--system', 'ultrahonk')).toMatchObject({ kind: 'stands' })
    // Groth16's challenge keys are not that verifier's: said before any proving (exit 3).
    const groth16 = runPoa(home, '--json', 'challenge', recorded.inferenceId)
    expect(groth16.status, groth16.stdout + groth16.stderr).toBe(3)
    expect(groth16.json.result.reason).toMatch(/is challenge circuit 0x[0-9a-f]{64}; these groth16 keys are 0x[0-9a-f]{64}/)
  }, 1_800_000)
})
