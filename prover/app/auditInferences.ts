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
import { settlementAt } from '../clients/settlementClient.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { challengeRecordedInference, type ChallengeFound, type NoFault } from '../node/challengeRecordedInference.ts'
import { attributionSpec, CIRCUIT_SET_NAMES, CIRCUIT_SETS } from '../proof/circuitParams.ts'
import { noirAttributionName } from '../proof/noir/noirParams.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { InferenceNotChallengeableError } from './challengeInference.ts'
import { loadServedInference } from './servedInference.ts'

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
  /**
   * The validator's step after a failed topK check: prove that a left-out record scores above the
   * settlement's threshold and challenge it inside its window (needs a key). Each such report gets
   * the outcome in `challenge`.
   */
  challenge?: boolean
}

/** An audit report, with the challenge sent (or why none was) when `challenge` was asked and topK failed. */
export type AuditChallengeReport = AuditReport & { challenge?: ChallengeFound | NoFault }

export type AuditInferencesReturnType = { ok: boolean; reports: AuditChallengeReport[] }

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
      const reports: AuditChallengeReport[] = []
      for (const one of ids) {
        log(`auditing ${one}`)
        const queryText = p.queryFile !== undefined ? readFileSync(p.queryFile, 'utf8') : await loadQueryText({ home: p.home, inferenceId: one })
        const report: AuditChallengeReport = await auditInference({
          chain: c, settlement, inferenceId: one, store, datanet: p.datanet, model, home: p.home, queryText, expectedClass: p.expectedClass, vkeyPath: p.vkey, buildDir: p.buildDir,
          fromBlock: s.fromBlock, toBlock: s.toBlock,
        })
        if (p.challenge && report.failed.includes('topK')) {
          log(`challenging ${one}: its paid records are not the top ones`)
          report.challenge = await challengeAudited({ home: p.home, buildDir: p.buildDir, chain: c, settlement, inferenceId: one, circuit: report.circuit, log })
        }
        reports.push(report)
      }
      return { ok: reports.every((r) => r.ok), reports }
    }))
}

/** The challenge of an audited settlement whose topK check failed, with the challenge circuit of the circuit it was settled with. */
async function challengeAudited(p: { home: string; buildDir?: string; chain: PoaChain; settlement: string; inferenceId: string; circuit?: string; log: (line: string) => void }): Promise<ChallengeFound | NoFault> {
  // The circom circuit of a set was settled with Groth16, its Noir program with UltraHonk: the challenge circuit of the same system proves the fault.
  const circuitSet = CIRCUIT_SET_NAMES.find((name) => [attributionSpec(CIRCUIT_SETS[name]).name, noirAttributionName(CIRCUIT_SETS[name])].includes(p.circuit ?? ''))
  if (!circuitSet) return { kind: 'none', reason: `the settled circuit ${p.circuit ?? '(unknown)'} is none of poa's circuit sets: no challenge circuit for it` }
  const system = p.circuit === noirAttributionName(CIRCUIT_SETS[circuitSet]) ? 'ultrahonk' : 'groth16'
  const { circuit, keys, params } = await ensureCircuitKeys({ circuitSet, statement: 'challenge', system, buildDir: p.buildDir, log: p.log })
  const recorded = await (await settlementAt(p.settlement, p.chain.provider)).inference(p.inferenceId)
  const served = await loadServedInference({
    home: p.home, chain: p.chain, modelId: BigInt(recorded.modelId), params, circuitSet,
    fail: (reason) => new InferenceNotChallengeableError({ inferenceId: p.inferenceId, reason }),
  })
  return challengeRecordedInference({ home: p.home, chain: p.chain, settlement: p.settlement, inferenceId: p.inferenceId, served, circuit, keys, params })
}
