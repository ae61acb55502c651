import { mkdirSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { Option, type Command } from 'commander'
import { PROOF_SYSTEM_NAMES } from '../../prover/proof/proofSystemNames.ts'
import type { DemoReport } from '../../prover/app/demo/runDemo.ts'
import { homeLayout } from '../../prover/layout/index.ts'
import { integerOption, openAmountOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

function renderReport(r: DemoReport): string {
  const subject = /^Subject:\s*(.*)$/im.exec(r.query.text)?.[1] ?? r.query.text.slice(0, 72)
  const lines = [
    '',
    `poa demo — Proof of Attribution on the embedded chain (${r.circuit.name}; ${r.circuit.setup})`,
    '',
    `Datanet  ${r.datanet.name}: ${r.datanet.records} Spam Assassin mails, root ${short(r.datanet.root)} committed as datanet #${r.datanet.chainDatanetId} v${r.datanet.version}`,
    `Model    ${r.model.name} #${r.model.modelId}: train accuracy ${(100 * r.model.trainAccuracy).toFixed(1)}%, ${r.model.projection} features k=${r.model.k}, index root ${short(r.model.indexRoot)}`,
    `Query    "${subject}"${r.query.heldOutMailId !== undefined ? ` (held-out mail #${r.query.heldOutMailId})` : ''}`,
    `         prediction ${r.query.prediction} (p = ${r.query.probabilities.map((x) => x.toFixed(3)).join(' / ')}), commitment ${short(r.query.queryCommitment)}`,
    `Fee      ${r.inference.feeOpen} OPEN escrowed, contributor pool ${r.inference.poolOpen} OPEN`,
    `Scoring  ${r.scoring.records} records (${r.scoring.positive} positive) in ${r.scoring.seconds} s on ${r.scoring.workers} workers (${r.scoring.provider})`,
    '',
    'Top contributors (proven on-chain):',
    ...r.contributors.map((c, i) => `  ${i + 1}. ${c.contributor}  record ${String(c.position).padStart(4)} [${c.label}]  score ${c.score.padStart(12)}  paid ${c.paidOpen} OPEN (credited ${c.creditedOpen})  <${c.sender}>`),
    '',
    `Split    contributors ${r.split.contributorsOpen}, prover ${r.split.proverOpen}, model owner ${r.split.modelOwnerOpen}, treasury ${r.split.treasuryOpen} OPEN`,
    `Proof    ${r.circuit.system === 'ultrahonk' ? 'UltraHonk (Noir)' : 'Groth16'}, ${r.proof.publicSignals} public signals, proved in ${r.proof.seconds} s by ${r.proof.prover}${r.proof.witnessGenerator ? `, witness by ${r.proof.witnessGenerator}` : ''}`,
    `Game     ${r.challenge.bondOpen} OPEN bond locked by the prover; challenge window ${r.challenge.windowSeconds} s (a proven better record takes ${r.challenge.challengerBps / 100}% of the bond), passed unchallenged: claimed`,
    `Govern   PoaGovernor ${r.governance.governor}, Timelock ${r.governance.timelock} owns ${r.governance.owns.join(', ')}`,
    'Transactions:',
    ...r.transactions.map((t) => `  ${t.step.padEnd(32)} ${t.txHash}${t.gasUsed !== '0' ? `  gas ${t.gasUsed}` : ''}`),
    '',
    `Time     ${Object.entries(r.timings).map(([k, v]) => `${k} ${v} s`).join(', ')}`,
  ]
  return lines.join('\n')
}

function short(decimal: string): string {
  const hex = BigInt(decimal).toString(16).padStart(64, '0')
  return `0x${hex.slice(0, 8)}…${hex.slice(-6)}`
}

/** Registers: demo (the one-command end-to-end run). */
export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description('run the main job end to end on the embedded chain: datanet, model, inference, influence, proof, settlement')
    .option('--records <n>', 'mails in the Spam Assassin sample (demo circuit, depth 8)', integerOption('--records', 2, 6046), 256)
    .option('--full', 'the whole corpus (6,046 mails) with the depth-13 circuit (first run builds a 2^15 setup: ~10 min)')
    .option('--query <text>', 'query text (default: a corpus mail held out of the datanet)')
    .option('--fee <open>', 'inference fee in OPEN', (text: string) => (openAmountOption('--fee')(text), text), '100')
    .option('--workers <n>', 'scoring worker threads (default: cores)', integerOption('--workers', 1, 256))
    .option('--demo-home <dir>', 'where this run keeps its data (default: a new folder under <home>/demo/)')
    .addOption(new Option('--system <name>', 'proof system: groth16, or ultrahonk (the Noir version of the circuit; its first run makes a 2^15 powers of tau, minutes)').choices(PROOF_SYSTEM_NAMES).default('groth16'))
    .action(async (o, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const demoDir = homeLayout(opts.home).demoDir
      if (!o.demoHome) mkdirSync(demoDir, { recursive: true })
      const home = o.demoHome ?? mkdtempSync(join(demoDir, 'run-'))
      note(`poa demo: data in ${home}`)
      const { runDemo } = await import('../../prover/app/demo/runDemo.ts')
      const report = await runDemo({
        home,
        buildDir: opts.buildDir,
        full: Boolean(o.full),
        records: o.records,
        query: o.query,
        feeOpen: o.fee,
        workers: o.workers,
        system: o.system,
        log: note,
        onProgress: progressLine,
      })
      printResult(opts, { home, ...report }, () => renderReport(report))
    })
}
