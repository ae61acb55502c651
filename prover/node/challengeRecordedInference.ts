import type { CircuitKeys, ProofSystemName, ProverCircuit } from '../proof/proofSystem.ts'
import { verifierCircuitId } from '../clients/settlementDeploy.ts'
import type { PoaChain } from '../chain/connectChain.ts'
import { challengeSettlement, currentSettlement, settlementAt, type SolidityCalldata } from '../clients/settlementClient.ts'
import { getPoseidon } from '../hash/index.ts'
import { buildMerkleTree } from '../merkle/index.ts'
import { scoreReference } from '../influence/index.ts'
import { identifyCandidates } from '../audit/auditChecks.ts'
import { proveChallenge } from '../proof/proveChallenge.ts'
import type { ProveProgress } from '../proof/proveInput.ts'
import { buildChallengeInput, challengeId, paidLeafValues, recordOpeningFromIndex, type AttributionParams } from '../witness/index.ts'
import { recordedQuery } from './proveRecordedInference.ts'
import type { ServedModel } from './servedModels.ts'

export type ChallengeRecordedInferenceParameters = {
  home: string
  chain: PoaChain
  settlement: string
  inferenceId: string
  /** The registered model with its index and the datanet version's records (a validator's copies). */
  served: ServedModel
  /**
   * The challenge circuit of the inference's attribution parameters and its keys, in the proof
   * system of the settlement's challenge verifier (`keys.system`, default groth16: the circom
   * circuit; ultrahonk: the Noir program).
   */
  circuit: ProverCircuit
  keys: Pick<CircuitKeys, 'zkeyPath' | 'verificationKey' | 'circuitId'> & { system?: ProofSystemName }
  params: AttributionParams
  /** The record to challenge with (default: the best-scoring record the settlement left out). */
  position?: number
  /** Send the challenge (default true); false only finds and proves it. */
  send?: boolean
  onProgress?: (p: ProveProgress) => void
  signal?: AbortSignal
}

/** A settlement that stands (no left-out record scores above its threshold), or none to challenge. */
/** `waiting`: this home lacks the query text yet, so the settlement could not be checked (try again later). */
export type NoFault = { kind: 'stands' | 'none'; reason: string; waiting?: boolean }

export type ChallengeFound = {
  kind: 'challenged' | 'proved'
  /** The challenged record and its score; the settlement's threshold and paid records. */
  position: number
  score: bigint
  threshold: bigint
  paidPositions: number[]
  /** The challenge transaction, when sent, with the challenger's share of the bond. */
  txHash?: string
  gasUsed?: bigint
  toChallengerWei?: bigint
  provingMs: number
  /** The challenge's calldata (proof and public inputs), bound to this chain's signer as the challenger. */
  calldata: SolidityCalldata
}

/**
 * The validator's job for one settled inference: recompute every record's score from this home's
 * copies (the query at the class its commitment carries), rebuild the leaves the settlement paid
 * (published only as a hash) from its payout slots, and if a record it left out scores strictly
 * above its threshold, prove that with the challenge circuit and send the challenge inside the
 * window: the settlement is cancelled and the challenger takes its share of the bond.
 */
export async function challengeRecordedInference(p: ChallengeRecordedInferenceParameters): Promise<ChallengeFound | NoFault> {
  const id = p.inferenceId.toLowerCase()
  const settled = await currentSettlement({ settlement: p.settlement, runner: p.chain.provider, inferenceId: id })
  if (!settled) return { kind: 'none', reason: `inference ${id} has no standing settlement` }
  const now = (await p.chain.provider.getBlock('latest'))!.timestamp
  if (now >= settled.claimableAt) return { kind: 'none', reason: `the challenge window of ${id} closed at ${new Date(settled.claimableAt * 1000).toISOString()}` }
  const contract = await settlementAt(p.settlement, p.chain.provider)
  const inf = await contract.inference(id)
  // The settlement takes a challenge only from the verifier it approved for the inference's
  // attribution circuit: with keys of another circuit or proof system the proof would be refused,
  // so say so before proving (a node validating with Groth16 keys meets UltraHonk settlements).
  const verifier = (await p.chain.run('read challenge verifier', () => contract.challengeVerifierOf(inf.circuitId))) as string
  if (BigInt(verifier) === 0n) return { kind: 'none', reason: `the settlement approves no challenge verifier for circuit ${inf.circuitId} (SettlementChallengeUnsupported)` }
  const expected = await verifierCircuitId({ verifier, runner: p.chain.provider })
  if (expected.toLowerCase() !== p.keys.circuitId.toLowerCase()) {
    return { kind: 'none', reason: `the settlement's challenge verifier for circuit ${inf.circuitId} is challenge circuit ${expected}; these ${p.keys.system ?? 'groth16'} keys are ${p.keys.circuitId} (another parameter set or proof system: see --system)` }
  }
  const recovered = await recordedQuery({ home: p.home, inferenceId: id, served: p.served, commitment: BigInt(inf.queryCommitment) })
  if ('kind' in recovered) return { kind: 'none', reason: recovered.reason, ...(recovered.kind === 'wait' ? { waiting: true } : {}) }
  const query = { inputHash: recovered.inputHash, features: recovered.features }

  const { index, records } = p.served
  const scores = scoreReference({ features: index.features, k: index.manifest.k, query: query.features })
  const { threshold, paidLeavesHash } = settled.terms
  // The settlement publishes its paid leaves only as a hash: rebuild them from its slots, checked against it.
  const poseidon = await getPoseidon()
  const K = p.params.candidateSlots
  const paidPositions = identifyCandidates({
    payoutSlots: settled.payoutSlots, pool: BigInt(inf.pool), records, scores,
    accept: (positions) => poseidon.hash(paidLeafValues({ candidateSlots: K, leafIndices: positions })) === paidLeavesHash,
  })
  if (!paidPositions) return { kind: 'none', reason: `no set of records of the paid contributors gives the settlement's payouts and paidLeavesHash (is this the registered datanet version and model?)` }
  let position = p.position
  if (position === undefined) {
    // The best left-out record (ties: the lower position); a fault only when strictly above the threshold.
    let best = -1
    scores.forEach((s, i) => {
      if (!paidPositions.includes(i) && (best < 0 || s > scores[best])) best = i
    })
    if (best < 0 || scores[best] <= threshold) {
      return { kind: 'stands', reason: `no left-out record scores above the threshold ${threshold}${best >= 0 ? ` (best: record ${best}, score ${scores[best]})` : ''}` }
    }
    position = best
  }

  const datanetTree = await buildMerkleTree({ leaves: index.recordLeaves, depth: p.params.treeDepth })
  const witness = await buildChallengeInput({
    params: p.params,
    challengeId: challengeId({ chainId: p.chain.chainId, settlementAddress: p.settlement, inferenceId: id, challenger: p.chain.signerAddress }),
    datanetRoot: datanetTree.root, indexRoot: index.tree.root, query,
    record: recordOpeningFromIndex({ index, records, position, datanetTree }),
    settlement: { threshold, paidLeavesHash, paidLeaves: paidPositions },
  })
  const started = performance.now()
  const proved = await proveChallenge({ circuit: p.circuit, keys: p.keys, witness, onProgress: p.onProgress, signal: p.signal })
  const provingMs = performance.now() - started
  const result: ChallengeFound = { kind: 'proved', position, score: witness.score, threshold, paidPositions, provingMs, calldata: proved.calldata }
  if (p.send === false) return result
  const sent = await challengeSettlement({ settlement: p.settlement, signer: p.chain.signer, inferenceId: id, calldata: proved.calldata })
  return { ...result, kind: 'challenged', txHash: sent.txHash, gasUsed: sent.gasUsed, toChallengerWei: sent.toChallengerWei }
}
