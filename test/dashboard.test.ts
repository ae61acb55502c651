// The dashboard in a real browser: Debian's chromium driven by playwright-core through the whole
// ModelFactory story, served by the real `poa serve` (a spawned CLI) on the home's chain: upload a Datanet
// of Spam Assassin mails, commit it, train an OpenLoRA base and fine-tune an adapter on it (the chart
// gets its epochs), register, pay and ask a held-out spam mail, watch the timeline reach "credited" with the proven top contributors, and see
// a contributor's credited OPEN go from nothing to its payout; then SIGTERM stops the server, exit 0,
// and poa audit passes on that settlement of an adapter model.
// Screenshots go to build/screenshots/.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { PACKAGE_ROOT } from '../prover/layout/index.ts'
import { devWallet } from '../prover/chain/embeddedChain.ts'

const CHROMIUM = process.env.POA_CHROMIUM ?? '/usr/bin/chromium'
const onCi = process.env.CI === 'true'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && !onCi) {
  console.warn(`\n*** test/dashboard.test.ts SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium, or set POA_CHROMIUM). On CI (CI=true) this fails instead. ***\n`)
}

/** 32 mails: the fewest of the suite's samples that give positive attributions on the tiny circuit (its 3 slots). */
const RECORDS = 32
const SHOTS = join(PACKAGE_ROOT, 'build', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'poa-dashboard-'))
let server: ChildProcess
let serverLog = ''
let exited: Promise<number | null>
let url: string
let browser: Browser
let page: Page

/** Wait until the element's text matches `pattern` (a result or an error message arrived). */
const textMatches = (selector: string, pattern: RegExp) =>
  page.waitForFunction(([s, p]) => new RegExp(p).test((globalThis as any).document.querySelector(s)?.textContent ?? ''), [selector, pattern.source] as const)
const shoot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
const openTab = (name: string) => page.click(`.tab[data-tab="${name}"]`)

beforeAll(async () => {
  if (!hasChromium) return
  mkdirSync(SHOTS, { recursive: true })
  server = spawn(process.execPath, [join(PACKAGE_ROOT, 'cli/bin.js'), '--home', home, '-q', 'serve', '--port', '0', '--workers', '1'], { cwd: PACKAGE_ROOT })
  server.stderr!.on('data', (d) => (serverLog += d))
  exited = new Promise((resolve) => server.once('exit', resolve))
  // -q: the URL alone on stdout, once it listens.
  url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.trim())
    })
    server.once('exit', (code) => reject(new Error(`poa serve exited ${code}: ${serverLog}`)))
  })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  // Generous: on a cold build/ the setup job compiles the tiny circuit and its dev keys before the first commit.
  page.setDefaultTimeout(300_000)
}, 300_000)

afterAll(async () => {
  await browser?.close()
  if (server && server.exitCode === null) server.kill('SIGTERM')
  await exited
  rmSync(home, { recursive: true, force: true })
})

describe.skipIf(!hasChromium && !onCi)('poa serve dashboard in chromium', () => {
  it('uploads a datanet, fine-tunes, asks a question and shows the proven attribution and the credited reward', async () => {
    expect(hasChromium, `no chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`).toBe(true)
    const mails = loadSpamAssassin({ limit: RECORDS })
    const question = loadSpamAssassin().find((m) => m.label === 'spam' && !mails.some((x) => x.metadata.id === m.metadata.id))!
    // In another tool's shape: the page maps its fields (and keeps the rest as metadata), as `--map` does.
    const jsonl = `${mails.map((m) => JSON.stringify({ author: m.contributor, body: m.content, category: m.label, source: 'spam assassin' })).join('\n')}\n`

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    await page.goto(url)
    await page.waitForSelector('body[data-ready="true"]')
    expect(await page.textContent('#status')).toContain(`signing as ${devWallet(0).address.slice(0, 10)}`)

    // Datanets: create, upload, commit.
    await page.fill('#datanet-name', 'spam-mails')
    await page.click('#datanet-create button[type="submit"]')
    await expect.poll(() => page.textContent('#create-message')).toContain('created "spam-mails"')
    await page.setInputFiles('#upload-file', { name: 'mails.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) })
    await page.click('details summary')
    await page.fill('#upload-map', 'contributor:author, content:body, label:category')
    await page.check('#upload-rest')
    await page.click('#upload-btn')
    await textMatches('#upload-message', /imported|:/)
    expect(await page.textContent('#upload-message')).toContain(`imported ${RECORDS} records: version 1`)
    await page.click('#commit-btn')
    await textMatches('#commit-message', /on-chain|:/)
    expect(await page.textContent('#commit-message')).toMatch(/root of v1 on-chain as datanet #\d+/)
    await page.waitForSelector('#datanet-versions td:has-text("committed in")')
    expect(await page.locator('#datanet-contributors tbody tr').count()).toBeGreaterThan(1)
    await shoot('1-datanets')

    // ModelFactory: train an OpenLoRA base on the datanet, fine-tune an adapter on it with the live
    // chart, then register. (The vectoriser-head path is test/dashboardApi.test.ts's.)
    await openTab('factory')
    await page.fill('#base-name', 'spam-base')
    await page.fill('#base-hidden', '16')
    await page.fill('#base-epochs', '2')
    await page.click('#base-btn')
    await textMatches('#base-message', /base "|:/)
    expect(await page.textContent('#base-message')).toMatch(/^base "spam-base": [\d.]+ kB, hidden width 16/)
    expect(await page.inputValue('#base-model')).toBe('lora:spam-base')
    expect(await page.isVisible('#rank')).toBe(true)
    expect(await page.isVisible('#l2')).toBe(false)
    await page.fill('#rank', '2')
    await page.fill('#adapter-epochs', '6')
    await page.fill('#model-name', 'spam-lora')
    await page.click('#train-btn')
    await textMatches('#train-message', /trained|:/)
    expect(await page.textContent('#train-message')).toMatch(/trained "spam-lora": 6 epochs, train accuracy [\d.]+%, adapter [\d.]+ kB on a [\d.]+ kB base/)
    expect(Number(await page.getAttribute('#training-chart', 'data-epochs'))).toBe(6)
    expect(await page.textContent('#models tbody')).toMatch(/adapter \(rank 2\) on spam-base.*[\d.]+ kB \/ [\d.]+ kB \([\d.]+%\)/)
    await page.click('#register-btn')
    await textMatches('#register-message', /registered|:/)
    expect(await page.textContent('#register-message')).toMatch(/registered as model #1 /)
    expect(await page.textContent('#models tbody')).toContain('model #1 (datanet #1 v1)')
    await shoot('2-modelfactory')

    // Rewards before: nothing credited yet.
    await openTab('rewards')
    await expect.poll(() => page.textContent('#rewards tbody')).toMatch(/no (settlement deployed|rewards credited) yet/)

    // Inference: pay, ask, and follow the timeline to the credited rewards.
    await openTab('inference')
    await page.waitForSelector('#inference-model option[value="1"]', { state: 'attached' })
    await page.fill('#question', question.content)
    await page.fill('#fee', '10')
    await page.click('#ask-btn')
    await page.waitForSelector('#timeline li[data-step="credited"].done, #ask-message.error')
    expect(await page.locator('#ask-message.error').count(), await page.textContent('#ask-message') ?? '').toBe(0)
    await textMatches('#ask-message', /answered/)
    expect(await page.textContent('#ask-message')).toMatch(/^answered "(ham|spam)"; inference 0x[0-9a-f]{8}…[0-9a-f]{6} settled and credited$/)
    const done = await page.locator('#timeline li.done').evaluateAll((items) => items.map((li) => li.getAttribute('data-step')))
    expect(done).toEqual(['settlement ready', 'recorded', 'attributed', 'proved', 'settled', 'claimed', 'credited'])
    expect(await page.textContent('#timeline li[data-step="attributed"]')).toMatch(new RegExp(`${RECORDS} records scored, \\d+ positive`))
    expect(await page.textContent('#timeline li[data-step="proved"]')).toMatch(/groth16 proof of attribution_d8_k8_K3/)
    const rows = page.locator('#top-contributors tbody tr')
    expect(await rows.count()).toBeGreaterThanOrEqual(1)
    const top = (await rows.first().locator('td').allTextContents()).map((t) => t.trim())
    const [, contributor, score, paid, before, after] = top
    expect(mails.some((m) => m.contributor === contributor)).toBe(true)
    expect(BigInt(score) > 0n).toBe(true)
    expect(before).toBe('0.0')
    expect(Number(after)).toBeGreaterThan(0)
    expect(paid).toBe(`${after} OPEN`)
    await page.locator('#question').evaluate((el) => void ((el as any).scrollTop = 0)) // the mail's headers, not its end
    await shoot('3-inference')

    // Rewards after: that contributor's credited OPEN is its payout.
    await openTab('rewards')
    const row = page.locator('#rewards tbody tr', { hasText: contributor })
    await expect.poll(() => row.count()).toBe(1)
    expect((await row.locator('td').nth(1).textContent())?.trim()).toBe(`${after} OPEN`)
    await shoot('4-rewards')

    // The settled inference, for the auditor below (the page shows its id shortened).
    const inferenceId = await page.evaluate(async () => {
      const jobs = (await (await fetch('/api/jobs')).json()) as { id: string; kind: string }[]
      const job = (await (await fetch(`/api/jobs/${jobs.find((j) => j.kind === 'inference')!.id}`)).json()) as { result: { inferenceId: string } }
      return job.result.inferenceId
    })

    // The page never saw the key; SIGTERM lets the server finish and close its chain.
    expect((await page.content()).toLowerCase()).not.toContain(devWallet(0).privateKey.slice(2).toLowerCase())
    server.kill('SIGTERM')
    expect(await exited, serverLog).toBe(0)
    expect(serverLog).toContain('poa serve: stopping')

    // poa audit on the adapter model the page trained and settled (the chain: <home>/chain): every
    // check passes, the model check by the base and adapter files (test/adapters.test.ts swaps them).
    const audited = await promisify(execFile)(process.execPath, ['cli/bin.js', '--json', '--home', home, 'audit', inferenceId, '--datanet', 'spam-mails', '--model', 'spam-lora'], { cwd: PACKAGE_ROOT, timeout: 300_000 })
    const report = JSON.parse(audited.stdout).result as { failed: string[]; checks: { name: string; detail: string }[] }
    expect(report.failed).toEqual([])
    expect(report.checks.find((c) => c.name === 'model')!.detail).toContain(`base ${join(home, 'bases', 'spam-base', 'base.poa')} (sha256 `)
  }, 900_000)
})
