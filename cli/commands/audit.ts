import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { Wallet } from 'ethers'
import { ContractNotDeployedError, type PoaChain } from '../../prover/chain/index.ts'
import { listSettledInferences } from '../../prover/audit/auditSettlement.ts'
import { openDatanetStore } from '../../prover/datanet/index.ts'
import { PoaError } from '../../prover/errors/index.ts'
import { loadModel, modelDir } from '../../prover/influence/index.ts'
import { auditInference, type AuditReport } from '../../prover/audit/auditInference.ts'
import { checkInferenceId, loadQueryText } from '../../prover/node/queryStore.ts'
import { EXIT_CODES, note, printResult, type OutputOptions } from '../output.ts'
import { addChainOptions, withChain, type ChainCliOptions } from './chain.ts'

type GlobalOptions = OutputOptions & { home: string }
type AuditOptions = ChainCliOptions & {
  all?: boolean; fromBlock?: number; toBlock?: number; datanet: string; model: string; queryFile?: string; vkey?: string; settlement?: string
}

class AuditUsageError extends PoaError {
  constructor({ option, reason }: { option: string; reason: string }) {
    super('AUDIT_USAGE', 'USAGE', `${option}: ${reason}`, { meta: { option } })
  }
}

function blockNumber(name: string) {
  return (text: string): number => {
    if (!/^\d{1,15}$/.test(text)) throw new InvalidArgumentError(`${name} expected a block number, got "${text}"`)
    return Number(text)
  }
}

function settlementOf(chain: PoaChain, given?: string): string {
  const address = given ?? chain.deployment.contracts.AttributionSettlement
  if (address === undefined) throw new ContractNotDeployedError({ contract: 'AttributionSettlement', chainId: chain.chainId, file: chain.deploymentFile })
  return address
}

function render(r: AuditReport): string {
  const lines = [`audit of ${r.inferenceId} (${r.circuit}): ${r.ok ? 'PASS' : `FAIL (${r.failed.join(', ')})`}`]
  for (const c of r.checks) lines.push(`  ${c.ok ? 'pass' : 'FAIL'} ${c.name.padEnd(13)} ${c.detail}`)
  return lines.join('\n')
}

/** Registers: audit <inference-id> | audit --all --from-block N [--to-block M]. */
export function registerAuditCommands(program: Command): void {
  addChainOptions(
    program.command('audit').description('re-check settled attributions from the chain and local data (exit 4 when a check fails)')
      .argument('[inference-id]', 'the settled inference (0x + 64 hex)')
      .option('--all', 'audit every settlement in a block range')
      .option('--from-block <n>', 'first block searched', blockNumber('--from-block'))
      .option('--to-block <n>', 'last block searched (default: latest)', blockNumber('--to-block'))
      .requiredOption('--datanet <ref>', 'the local datanet the model was trained on (id or name)')
      .requiredOption('--model <name>', 'the local model (under <home>/models/)')
      .option('--query-file <file>', 'the query text (default: the local inference store, <home>/queries/)')
      .option('--vkey <file>', 'Groth16 verification key (default: the local dev setup of the settled circuit)')
      .option('--settlement <address>', 'AttributionSettlement address (default: the deployment file)'),
  ).action(async (id: string | undefined, options: AuditOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    if ((id === undefined) === (options.all !== true)) throw new AuditUsageError({ option: '<inference-id>/--all', reason: 'give exactly one of an inference id or --all' })
    if (options.all && options.fromBlock === undefined) throw new AuditUsageError({ option: '--all', reason: 'needs --from-block <n>' })
    if (options.queryFile !== undefined && options.all) throw new AuditUsageError({ option: '--query-file', reason: 'names one query; with --all the texts come from the local inference store' })
    const inferenceId = id === undefined ? undefined : checkInferenceId(id, '<inference-id>')
    const model = await loadModel(modelDir(opts.home, options.model))
    // An auditor only reads: on an RPC chain without a key, a throwaway key signs nothing.
    const chainOptions = options.rpc !== undefined && options.privateKey === undefined && options.keystore === undefined ? { ...options, privateKey: Wallet.createRandom().privateKey } : options
    const store = openDatanetStore({ home: opts.home })
    try {
      await withChain(opts.home, chainOptions, async (chain) => {
        const settlement = settlementOf(chain, options.settlement)
        const ids = inferenceId !== undefined ? [inferenceId] : await listSettledInferences({ chain, settlement, fromBlock: options.fromBlock!, toBlock: options.toBlock })
        const reports: AuditReport[] = []
        for (const one of ids) {
          note(`auditing ${one}`)
          const queryText = options.queryFile !== undefined ? readFileSync(options.queryFile, 'utf8') : await loadQueryText({ home: opts.home, inferenceId: one })
          reports.push(await auditInference({
            chain, settlement, inferenceId: one, store, datanet: options.datanet, model, queryText, vkeyPath: options.vkey,
            fromBlock: options.fromBlock, toBlock: options.toBlock,
          }))
        }
        const ok = reports.every((r) => r.ok)
        if (options.all) printResult(opts, { ok, reports }, () => (reports.length === 0 ? 'no settlements in that range' : reports.map(render).join('\n')))
        else printResult(opts, reports[0], () => render(reports[0]))
        if (!ok) process.exitCode = EXIT_CODES.VERIFICATION_FAILED
      }, { deploy: false })
    } finally {
      store.close()
    }
  })
}
