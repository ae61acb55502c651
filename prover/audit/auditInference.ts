import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PoaChain } from '../chain/connectChain.ts'
import { readSettlement, type SettlementOnChain } from './auditSettlement.ts'
import { getProofSystem, isProofSystemName } from '../proof/proofSystems.ts'
import type { DatanetRef, DatanetStore } from '../datanet/index.ts'
import { PoaError } from '../errors/index.ts'
import { indexDir, loadAttributionIndex, type AttributionIndex } from '../index/index.ts'
import type { LoadedModel } from '../influence/index.ts'
import { buildLayout } from '../layout/index.ts'
import { ATTRIBUTION_FIXED_INPUTS, CIRCUIT_SETS, attributionSpec, type AttributionParams } from '../proof/circuitParams.ts'
import {
  checkDatanet, checkIndex, checkModel, checkProof, checkPublicInputs, checkQuery, checkScoresPayoutsTopK, checkSettlement, checkVerifier,
  type AuditCheck, type LocalRecord,
} from './auditChecks.ts'

/**
 * Re-check one settled attribution from the chain and local data: read the settlement (event and
 * calldata), re-verify the proof with the circuit's key, compare the public inputs with the
 * registries and the recorded inference, then recompute the query features, the datanet root, every
 * record's index features, the scores, the payouts, and the top-K choice. Every check runs (a
 * failure does not hide the others); `ok` is true only when all pass.
 */
export type AuditInferenceParameters = {
  chain: PoaChain
  settlement: string
  inferenceId: string
  /** The datanet store holding the model's datanet, and which local datanet it is. */
  store: DatanetStore
  datanet: DatanetRef
  model: LoadedModel
  /** The query text of the inference (the host's copy); without it the query check fails. */
  queryText?: string
  /** The class the inference must attribute (a label or index); default: report whichever class its commitment carries. */
  expectedClass?: number | string
  /** A verification key file; default: the local dev setup build of the settled circuit. */
  vkeyPath?: string
  /** Build folder holding that dev setup (default `<package>/build`). */
  buildDir?: string
  fromBlock?: number
  toBlock?: number
}

export type AuditReport = {
  inferenceId: string
  ok: boolean
  circuit?: string
  failed: string[]
  checks: AuditCheck[]
}

/** The attribution circuits poa builds, by the settlement's circuit id. */
const KNOWN_CIRCUITS: { name: string; params: AttributionParams }[] = Object.values(CIRCUIT_SETS).map((params) => ({ name: attributionSpec(params).name, params }))

export class UnknownCircuitError extends PoaError {
  constructor({ circuitId, inputCount, k }: { circuitId: string; inputCount: number; k: number }) {
    super('AUDIT_UNKNOWN_CIRCUIT', 'VERIFICATION_FAILED',
      `circuit id ${circuitId} (${inputCount} public inputs, model k = ${k}) is none of ${KNOWN_CIRCUITS.map((c) => c.name).join(', ')}: the auditor cannot tell its parameters`,
      { meta: { circuitId, inputCount, k } })
  }
}


/**
 * Which attribution circuit a settlement's circuit id is. The id is over a verification key (one per
 * setup), so it names no parameters: first a local dev key with that id, else the one parameter set
 * whose K (public inputs - ATTRIBUTION_FIXED_INPUTS) and k (the model's) match what the chain holds.
 */
export function circuitOfId({ circuitId, inputCount, k, buildDir }: { circuitId: string; inputCount: number; k: number; buildDir?: string }): { name: string; params: AttributionParams } {
  const id = circuitId.toLowerCase()
  const byKey = KNOWN_CIRCUITS.find((c) => {
    const key = readVkey(buildLayout(buildDir).devVkeyPath(c.name))
    return isProofSystemName(key?.protocol) && getProofSystem(key.protocol).circuitId(key) === id
  })
  if (byKey) return byKey
  const byShape = KNOWN_CIRCUITS.filter((c) => c.params.candidateSlots + ATTRIBUTION_FIXED_INPUTS === inputCount && c.params.featureCount === k)
  if (byShape.length !== 1) throw new UnknownCircuitError({ circuitId, inputCount, k })
  return byShape[0]
}

function readVkey(path: string): any {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined
}

function loadVkey(circuitName: string, vkeyPath: string | undefined, buildDir: string | undefined): { key: any; circuitName: string; source: string } | undefined {
  const path = vkeyPath ?? buildLayout(buildDir).devVkeyPath(circuitName)
  const key = readVkey(path)
  return key === undefined ? undefined : { key, circuitName, source: path }
}

export async function auditInference(p: AuditInferenceParameters): Promise<AuditReport> {
  const onChain: SettlementOnChain = await readSettlement({ chain: p.chain, settlement: p.settlement, inferenceId: p.inferenceId, fromBlock: p.fromBlock, toBlock: p.toBlock })
  const { name: circuit, params } = circuitOfId({ circuitId: onChain.event.circuitId, inputCount: onChain.verifier.inputCount, k: onChain.model.k, buildDir: p.buildDir })
  const vkey = loadVkey(circuit, p.vkeyPath, p.buildDir)
  const checks: AuditCheck[] = [checkSettlement(onChain), checkVerifier(onChain, vkey), await checkProof(onChain, vkey), checkPublicInputs(onChain), checkModel(onChain, p.model)]

  const info = p.store.getDatanet(p.datanet)
  const version = Number(onChain.model.datanetVersion)
  const records: LocalRecord[] = p.store.getRecords(info.id, version).map((r) => ({ contributor: r.contributor, content: r.content, label: r.label, leaf: r.leaf }))
  const query = await checkQuery(onChain, p.model, p.queryText, p.expectedClass)
  checks.push(query.check)
  const datanet = await checkDatanet(onChain, records, params.treeDepth)
  checks.push(datanet.check)
  let index: AttributionIndex | undefined
  const dir = indexDir(p.model.dir, String(info.id), version)
  // The local index is compared when present; the recomputation alone decides the index root.
  if (existsSync(join(dir, 'index.json'))) index = await loadAttributionIndex(dir).catch(() => undefined)
  const indexed = await checkIndex(onChain, { model: p.model, records, leaves: datanet.leaves, root: datanet.root, params, index })
  checks.push(indexed.check)
  if (query.features && indexed.features) checks.push(...checkScoresPayoutsTopK(onChain, { records, features: indexed.features, query: query.features, params, index }))
  else checks.push(...(['scores', 'payouts', 'topK'] as const).map((name) => ({ name, ok: false, detail: `needs the ${query.features ? 'record features (see the indexFeatures check)' : 'query features (see the query check)'}` })))
  const failed = checks.filter((c) => !c.ok).map((c) => c.name)
  return { inferenceId: p.inferenceId, ok: failed.length === 0, circuit, failed, checks }
}
