import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PoaChain } from '../chain/connectChain.ts'
import { readSettlement, type SettlementOnChain } from './auditSettlement.ts'
import { getProofSystem, isProofSystemName, type ProofSystemName } from '../proof/proofSystems.ts'
import { noirAttributionName } from '../proof/noir/noirParams.ts'
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
import { checkAdapterModel } from './checkAdapterModel.ts'

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
  /** The home whose `bases/` holds an adapter model's base (checked with the adapter against the registered hash). */
  home?: string
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
/** Every attribution circuit poa builds: each set's circom circuit (Groth16) and its Noir program (UltraHonk), with where its dev key lies. */
const KNOWN_CIRCUITS: { name: string; params: AttributionParams; system: ProofSystemName; devVkeyPath: (buildDir?: string) => string }[] = Object.values(CIRCUIT_SETS).flatMap((params) => {
  const circom = attributionSpec(params).name
  const noir = noirAttributionName(params)
  return [
    { name: circom, params, system: 'groth16' as const, devVkeyPath: (buildDir?: string) => buildLayout(buildDir).devVkeyPath(circom) },
    { name: noir, params, system: 'ultrahonk' as const, devVkeyPath: (buildDir?: string) => buildLayout(buildDir).devHonkVkeyPath(noir) },
  ]
})

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
export function circuitOfId({ circuitId, inputCount, k, buildDir }: { circuitId: string; inputCount: number; k: number; buildDir?: string }): { name: string; params: AttributionParams; devVkeyPath: string } {
  const id = circuitId.toLowerCase()
  const byKey = KNOWN_CIRCUITS.find((c) => {
    const key = readVkey(c.devVkeyPath(buildDir))
    return isProofSystemName(key?.protocol) && getProofSystem(key.protocol).circuitId(key) === id
  })
  if (byKey) return { name: byKey.name, params: byKey.params, devVkeyPath: byKey.devVkeyPath(buildDir) }
  // No local key with that id: the parameters from the shape (both systems share them; the circom name is reported).
  const byShape = KNOWN_CIRCUITS.filter((c) => c.system === 'groth16' && c.params.candidateSlots + ATTRIBUTION_FIXED_INPUTS === inputCount && c.params.featureCount === k)
  if (byShape.length !== 1) throw new UnknownCircuitError({ circuitId, inputCount, k })
  return { name: byShape[0].name, params: byShape[0].params, devVkeyPath: byShape[0].devVkeyPath(buildDir) }
}

function readVkey(path: string): any {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined
}

function loadVkey(circuitName: string, vkeyPath: string | undefined, devVkeyPath: string): { key: any; circuitName: string; source: string } | undefined {
  const path = vkeyPath ?? devVkeyPath
  const key = readVkey(path)
  return key === undefined ? undefined : { key, circuitName, source: path }
}

export async function auditInference(p: AuditInferenceParameters): Promise<AuditReport> {
  const onChain: SettlementOnChain = await readSettlement({ chain: p.chain, settlement: p.settlement, inferenceId: p.inferenceId, fromBlock: p.fromBlock, toBlock: p.toBlock })
  const { name: circuit, params, devVkeyPath } = circuitOfId({ circuitId: onChain.event.circuitId, inputCount: onChain.verifier.inputCount, k: onChain.model.k, buildDir: p.buildDir })
  const vkey = loadVkey(circuit, p.vkeyPath, devVkeyPath)
  const checks: AuditCheck[] = [checkSettlement(onChain), checkVerifier(onChain, vkey), await checkProof(onChain, vkey), checkPublicInputs(onChain)]
  // An adapter model's hash binds its base and adapter files, which loadModel does not read.
  checks.push(p.model.manifest.adapter ? await checkAdapterModel(onChain, p.model, p.home) : checkModel(onChain, p.model))

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
