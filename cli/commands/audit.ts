import type { Command } from 'commander'
import type { AuditChallengeReport } from '../../prover/app/auditInferences.ts'
import { addChainOptions, chainTargetOf, type ChainCliOptions } from '../chainOptions.ts'
import { CliOptionConflictError, inferenceIdOption, integerOption, type GlobalOptions } from '../options.ts'
import { EXIT_CODES, note, printResult, progressLine } from '../output.ts'

type AuditOptions = ChainCliOptions & {
  class?: string
  all?: boolean; fromBlock?: number; toBlock?: number; datanet: string; model: string; queryFile?: string; vkey?: string; settlement?: string
  challenge?: boolean
}

function render(r: AuditChallengeReport): string {
  const lines = [`audit of ${r.inferenceId} (${r.circuit}): ${r.ok ? 'PASS' : `FAIL (${r.failed.join(', ')})`}`]
  for (const c of r.checks) lines.push(`  ${c.ok ? 'pass' : 'FAIL'} ${c.name.padEnd(13)} ${c.detail}`)
  const ch = r.challenge
  if (ch) {
    lines.push(ch.kind === 'challenged'
      ? `  challenged: record ${ch.position} scores ${ch.score} > threshold ${ch.threshold}; the settlement is cancelled and ${ch.toChallengerWei} wei of its bond credited to the challenger (tx ${ch.txHash}, ${ch.gasUsed} gas)`
      : 'reason' in ch ? `  no challenge: ${ch.reason}` : `  challenge proven, not sent: record ${ch.position}`)
  }
  return lines.join('\n')
}

/** Registers: audit <inference-id> | audit --all --from-block N [--to-block M]. */
export function registerAuditCommands(program: Command): void {
  addChainOptions(
    program.command('audit').description('re-check settled attributions from the chain and local data (exit 4 when a check fails)')
      .argument('[inference-id]', 'the settled inference (0x + 64 hex)', inferenceIdOption('<inference-id>'))
      .option('--all', 'audit every settlement in a block range')
      .option('--from-block <n>', 'first block searched', integerOption('--from-block', 0, Number.MAX_SAFE_INTEGER))
      .option('--to-block <n>', 'last block searched (default: latest)', integerOption('--to-block', 0, Number.MAX_SAFE_INTEGER))
      .requiredOption('--datanet <ref>', 'the local datanet the model was trained on (id or name)')
      .requiredOption('--model <name>', 'the local model (under <home>/models/)')
      .option('--query-file <file>', 'the query text (default: the local inference store, <home>/queries/)')
      .option('--class <label>', 'the class the inference must attribute (default: report the class its commitment carries)')
      .option('--vkey <file>', 'Groth16 verification key (default: the local dev setup of the settled circuit)')
      .option('--settlement <address>', 'AttributionSettlement address (default: the deployment file)')
      .option('--challenge', "when a settlement's paid records are not the top ones, prove it and challenge the settlement inside its window (needs a key: the challenger takes its share of the bond)"),
  ).action(async (inferenceId: string | undefined, options: AuditOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    if ((inferenceId === undefined) === (options.all !== true)) throw new CliOptionConflictError({ option: '<inference-id>/--all', reason: 'give exactly one of an inference id or --all' })
    if (options.all && options.fromBlock === undefined) throw new CliOptionConflictError({ option: '--all', reason: 'needs --from-block <n>' })
    if (options.queryFile !== undefined && options.all) throw new CliOptionConflictError({ option: '--query-file', reason: 'names one query; with --all the texts come from the local inference store' })
    // An auditor only reads: an RPC chain needs no key (the workflow signs nothing), unless it challenges.
    const chain = chainTargetOf(options, { readOnly: options.challenge !== true })
    const { auditInferences } = await import('../../prover/app/auditInferences.ts')
    const { ok, reports } = await auditInferences({
      home: opts.home, buildDir: opts.buildDir, chain, datanet: options.datanet, model: options.model, queryFile: options.queryFile, expectedClass: options.class, vkey: options.vkey, settlement: options.settlement, challenge: options.challenge,
      select: inferenceId !== undefined ? { inferenceId, fromBlock: options.fromBlock, toBlock: options.toBlock } : { all: true, fromBlock: options.fromBlock!, toBlock: options.toBlock },
      log: note, onProgress: progressLine,
    })
    if (options.all) printResult(opts, { ok, reports }, () => (reports.length === 0 ? 'no settlements in that range' : reports.map(render).join('\n')))
    else printResult(opts, reports[0], () => render(reports[0]))
    if (!ok) process.exitCode = EXIT_CODES.VERIFICATION_FAILED
  })
}
