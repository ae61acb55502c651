import { readFileSync } from 'node:fs'
import { Wallet } from 'ethers'
import { auditInference, type AuditReport } from '../audit/auditInference.ts'
import { listSettledInferences } from '../audit/auditSettlement.ts'
import { loadModel, modelDir } from '../influence/index.ts'
import { loadQueryText } from '../node/queryStore.ts'
import type { ChainTarget } from '../chain/connectChain.ts'
import type { AppFolders, AppReporting } from './appOptions.ts'
import { noLog } from './appOptions.ts'
import { settlementAddress } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'
import { withDatanetStore } from './withDatanetStore.ts'

/** Which settlements to audit: one inference, or every settlement in a block range. */
export type AuditSelection =
  | { inferenceId: string; fromBlock?: number; toBlock?: number }
  | { all: true; fromBlock: number; toBlock?: number }

/** Options of auditInferences. */
export type AuditInferencesParameters = AppFolders & Pick<AppReporting, 'log' | 'onProgress'> & {
  /** The chain (default: the embedded chain); an RPC chain may be given without a key: the auditor only reads. */
  chain?: ChainTarget | { rpc: string }
  select: AuditSelection
  /** The local datanet the model was trained on, and the local model. */
  datanet: string
  model: string
  /** The query text file of a single inference (default: `<home>/queries/`). */
  queryFile?: string
  /** The class each audited inference must attribute (a label or index); default: any, reported. */
  expectedClass?: number | string
  vkey?: string
  settlement?: string
}

export type AuditInferencesReturnType = { ok: boolean; reports: AuditReport[] }

/** Re-check settled attributions from the chain and local data (see auditInference); `ok` only when every check of every report passed. */
export async function auditInferences(p: AuditInferencesParameters): Promise<AuditInferencesReturnType> {
  const log = p.log ?? noLog
  const model = await loadModel(modelDir(p.home, p.model))
  // An auditor only reads: on an RPC chain given without a key, a throwaway key signs nothing.
  const given = (p.chain ?? {}) as { rpc?: string; privateKey?: string; keystore?: string }
  const chain = given.rpc !== undefined && given.privateKey === undefined && given.keystore === undefined ? { rpc: given.rpc, privateKey: Wallet.createRandom().privateKey } : (p.chain as ChainTarget | undefined)
  return withDatanetStore(p.home, (store) =>
    withChainSession({ ...p, chain, deploy: false }, async (c) => {
      const settlement = settlementAddress(c, p.settlement)
      const s = p.select
      const ids = 'inferenceId' in s ? [s.inferenceId] : await listSettledInferences({ chain: c, settlement, fromBlock: s.fromBlock, toBlock: s.toBlock })
      const reports: AuditReport[] = []
      for (const one of ids) {
        log(`auditing ${one}`)
        const queryText = p.queryFile !== undefined ? readFileSync(p.queryFile, 'utf8') : await loadQueryText({ home: p.home, inferenceId: one })
        reports.push(await auditInference({
          chain: c, settlement, inferenceId: one, store, datanet: p.datanet, model, queryText, expectedClass: p.expectedClass, vkeyPath: p.vkey, buildDir: p.buildDir,
          fromBlock: s.fromBlock, toBlock: s.toBlock,
        }))
      }
      return { ok: reports.every((r) => r.ok), reports }
    }))
}
