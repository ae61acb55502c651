// Shared setup of the settlement tests and the gas bench: the tiny attribution circuit with dev keys
// and a generated verifier, the real contracts on Hardhat's in-process chain, a random datanet and
// attribution index (prover/merkle + prover/index), and real Groth16 proofs of the circuit.
import { newInferenceId as newHostInferenceId } from '../prover/clients/settlementClient.ts'
import type { Signer } from 'ethers'
import { settlementId } from '../prover/witness/settlementId.ts'
import * as snarkjs from 'snarkjs'
import { addressToField } from '../prover/field/index.ts'
import { paddingIndexChildren } from '../prover/witness/buildAttributionWitness.ts'
import { paidLeafValues } from '../prover/witness/paidLeaves.ts'
import type { RecordOpening } from '../prover/witness/checkCandidate.ts'
import { getPoseidon, type Poseidon } from '../prover/hash/index.ts'
import { buildMerkleTree, buildQuaternaryTree, getMerkleProof, getQuaternaryProof, quaternaryLevels, type MerkleTree, type QuaternaryTree } from '../prover/merkle/index.ts'
import { contentHash, labelHash, recordLeaf } from '../prover/datanet/recordLeaf.ts'
import { indexLeaf, queryCommitment as commitQuery } from '../prover/index/featureHash.ts'
import { compileCircuit, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_PARAMS, TINY_SPEC } from '../prover/proof/circuitParams.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { ensureDevKeys, type DevKeys } from '../ceremony/devSetup.ts'
import { getHardhatRuntime, type HardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { prepareVerifiers } from '../prover/clients/settlementDeploy.ts'
import type { SolidityCalldata } from '../prover/proof/proofSystem.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'

export const K = TINY_PARAMS.candidateSlots
export const FEATURES = TINY_PARAMS.featureCount
export const DEPTH = TINY_PARAMS.treeDepth
export const CIRCUIT_NAME = TINY_SPEC.name

export type CircuitArtifacts = { circuit: CompiledCircuit; keys: DevKeys }

/** Compile the tiny circuit, make (or reuse) its dev keys and write its verifier source, then compile contracts. */
export async function prepareTinyCircuit(log: (line: string) => void = () => {}): Promise<CircuitArtifacts & { hre: HardhatRuntime }> {
  const circuit = await compileCircuit(TINY_SPEC, log)
  const keys = await ensureDevKeys(circuit, log)
  const [generated] = await prepareVerifiers({ circuits: [{ circuitName: CIRCUIT_NAME, zkeyPath: keys.zkeyPath }] })
  const hre = await getHardhatRuntime()
  // getHardhatRuntime's (locked) compile ran after generation unless the verifier is missing from it.
  if (!(await hre.artifacts.artifactExists(generated.contractName))) await hre.run('compile', { quiet: true })
  return { circuit, keys, hre }
}

/** A seeded xorshift so a failing case can be replayed from its printed seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

export type Record_ = { contributor: string; contentHash: bigint; labelHash: bigint; features: bigint[]; recordLeaf: bigint }

export type DatanetFixture = {
  records: Record_[]
  datanetTree: MerkleTree
  indexTree: QuaternaryTree
  /** The 4-ary index path an empty slot carries (its leaf at position 0, zero siblings). */
  paddingChildren: bigint[][]
  /** Kept so attributionInput can hash the paid leaves without awaiting. */
  poseidon: Poseidon
}

/** `n` records by the given contributors (round robin), random texts and features in +-1000. */
export async function buildDatanet({ contributors, n, random }: { contributors: string[]; n: number; random: () => number }): Promise<DatanetFixture> {
  const records: Record_[] = []
  for (let i = 0; i < n; i++) {
    const contributor = contributors[i % contributors.length]
    const hash = contentHash(`record ${i} ${random()}`)
    const features = Array.from({ length: FEATURES }, () => BigInt(Math.floor(random() * 2001) - 1000))
    // Every third record unlabelled (labelHash 0), the others "spam" / "ham": both kinds get settled.
    const label = i % 3 === 0 ? 0n : labelHash(i % 2 ? 'spam' : 'ham')
    records.push({ contributor, contentHash: hash, labelHash: label, features, recordLeaf: await recordLeaf({ contributor, contentHash: hash, labelHash: label }) })
  }
  const datanetTree = await buildMerkleTree({ leaves: records.map((r) => r.recordLeaf), depth: DEPTH })
  const indexLeaves = await Promise.all(records.map((r) => indexLeaf({ recordLeaf: r.recordLeaf, features: r.features })))
  const indexTree = await buildQuaternaryTree({ leaves: indexLeaves, levels: quaternaryLevels(DEPTH) })
  return { records, datanetTree, indexTree, paddingChildren: await paddingIndexChildren(FEATURES, quaternaryLevels(DEPTH)), poseidon: await getPoseidon() }
}

export type Query = { inputHash: bigint; features: bigint[]; commitment: bigint }

export async function buildQuery(random: () => number): Promise<Query> {
  const inputHash = contentHash(`query ${random()}`)
  const features = Array.from({ length: FEATURES }, () => BigInt(Math.floor(random() * 2001) - 1000))
  return { inputHash, features, commitment: await commitQuery({ inputHash, features }) }
}

/**
 * keccak256(abi.encode(chainId, settlement, inferenceId, prover)) >> 8: the circuit engineer's
 * settlementId, as the contract computes it; `prover` is the fee recipient settle will resolve.
 */
export function settlementIdOf({ chainId, settlement, inferenceId, prover }: { chainId: bigint; settlement: string; inferenceId: string; prover: string }): bigint {
  return settlementId({ chainId, settlementAddress: settlement, inferenceId, prover })
}

/** A fresh inference id of `host` (default: development account 1, the fixtures' host). */
export function newInferenceId(host = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'): string {
  return newHostInferenceId(host)
}

const dot = (a: bigint[], b: bigint[]) => a.reduce((s, x, i) => s + x * b[i], 0n)
// Signed features go in as signed decimals: circom's witness calculator reduces them mod r itself.
const fr = (x: bigint) => x.toString()

export type AttributionCase = {
  input: Record<string, unknown>
  publicInputs: bigint[]
  payouts: { contributor: string; amountWei: bigint }[]
}

/**
 * The circuit input for the K candidates of highest positive score (or the given positions), in leaf order; the payouts
 * follow docs/architecture.md: floor(P * s_i / sum s_j) over positive scores.
 */
export function attributionInput({ data, query, pool, settlementId, positions }: { data: DatanetFixture; query: Query; pool: bigint; settlementId: bigint; positions?: number[] }): AttributionCase {
  const scored = data.records.map((r, i) => ({ i, score: dot(r.features, query.features) })).filter((s) => s.score > 0n)
  const ranked = scored.sort((x, y) => (y.score > x.score ? 1 : y.score < x.score ? -1 : 0))
  // `positions` (records that score above 0) overrides the top-K rule: a dishonest prover's choice.
  const chosen = (positions ? ranked.filter((s) => positions.includes(s.i)) : ranked.slice(0, K)).sort((x, y) => x.i - y.i)
  const total = chosen.reduce((s, c) => s + c.score, 0n)
  const slots: bigint[] = []
  const payouts: AttributionCase['payouts'] = []
  const cols = { active: [] as string[], leafIndex: [] as string[], contributor: [] as string[], contentHash: [] as string[], labelHash: [] as string[], datanetSiblings: [] as string[][], indexChildren: [] as string[][][], features: [] as string[][] }
  for (let s = 0; s < K; s++) {
    const c = chosen[s]
    if (!c) {
      slots.push(0n)
      cols.active.push('0'); cols.leafIndex.push('0'); cols.contributor.push('0'); cols.contentHash.push('0'); cols.labelHash.push('0')
      cols.datanetSiblings.push(Array(DEPTH).fill('0')); cols.indexChildren.push(data.paddingChildren.map((l) => l.map(String))); cols.features.push(Array(FEATURES).fill('0'))
      continue
    }
    const r = data.records[c.i]
    const amount = total === 0n ? 0n : (pool * c.score) / total
    slots.push(addressToField(r.contributor) + (amount << 160n))
    payouts.push({ contributor: r.contributor, amountWei: amount })
    cols.active.push('1'); cols.leafIndex.push(String(c.i)); cols.contributor.push(addressToField(r.contributor).toString()); cols.contentHash.push(r.contentHash.toString()); cols.labelHash.push(r.labelHash.toString())
    cols.datanetSiblings.push(getMerkleProof(data.datanetTree, c.i).siblings.map(String))
    cols.indexChildren.push(getQuaternaryProof(data.indexTree, c.i).children.map((l) => l.map(String)))
    cols.features.push(r.features.map(fr))
  }
  // The challenge game's inputs: the smallest paid score when all K slots are taken, else 0, and the
  // paid leaves (leafIndex + 1 per paid slot, 0 per empty one) under Poseidon.
  const threshold = chosen.length < K ? 0n : chosen.reduce((min, c) => (c.score < min ? c.score : min), chosen[0].score)
  const paidLeavesHash = data.poseidon.hash(paidLeafValues({ candidateSlots: K, leafIndices: chosen.map((c) => c.i) }))
  const publicInputs = [settlementId, data.datanetTree.root, data.indexTree.root, query.commitment, pool, threshold, paidLeavesHash, ...slots]
  const input = {
    settlementId: settlementId.toString(), datanetRoot: data.datanetTree.root.toString(), indexRoot: data.indexTree.root.toString(),
    queryCommitment: query.commitment.toString(), pool: pool.toString(), threshold: threshold.toString(), paidLeavesHash: paidLeavesHash.toString(), payoutSlot: slots.map(String),
    inputHash: query.inputHash.toString(), queryFeatures: query.features.map(fr), ...cols,
  }
  return { input, publicInputs, payouts }
}

/** Prove with snarkjs and return the raw snarkjs proof and public signals (what a proof package holds). */
export async function proveRaw(c: AttributionCase, artifacts: CircuitArtifacts): Promise<{ proof: any; publicSignals: string[] }> {
  try {
    return await snarkjs.groth16.fullProve(c.input, artifacts.circuit.wasmPath, artifacts.keys.zkeyPath)
  } finally {
    await releaseCurve()
  }
}

/** Prove with snarkjs and return the verifier's calldata (the proof system's bytes and the public inputs). */
export async function proveCase(c: AttributionCase, artifacts: CircuitArtifacts): Promise<SolidityCalldata> {
  try {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(c.input, artifacts.circuit.wasmPath, artifacts.keys.zkeyPath)
    const pub = (publicSignals as string[]).map((x) => BigInt(x))
    if (pub.some((x, i) => x !== c.publicInputs[i])) throw new Error('circuit public signals differ from the fixture\'s')
    return getProofSystem('groth16').calldata({ proof, publicSignals: pub })
  } finally {
    await releaseCurve()
  }
}

export type Stack = {
  token: any
  datanets: any
  models: any
  deployer: Signer
  signers: Signer[]
}

/** Deploy the chain engineer's OpenToken, DatanetRegistry and ModelRegistry (treasury = deployer). */
export async function deployRegistries(hre: HardhatRuntime): Promise<Stack> {
  const signers = (await hre.ethers.getSigners()) as unknown as Signer[]
  const deployer = signers[0]
  const deployerAddress = await deployer.getAddress()
  const token = await hre.ethers.deployContract('OpenToken', [deployerAddress])
  const datanets = await hre.ethers.deployContract('DatanetRegistry')
  const models = await hre.ethers.deployContract('ModelRegistry', [await datanets.getAddress()])
  return { token, datanets, models, deployer, signers }
}

/** Record `i`'s openings of both trees, as the witness builders take them. */
export function recordOpening(data: DatanetFixture, i: number): RecordOpening {
  const r = data.records[i]
  return { leafIndex: i, contributor: r.contributor, contentHash: r.contentHash, labelHash: r.labelHash, features: r.features, datanetProof: getMerkleProof(data.datanetTree, i), indexProof: getQuaternaryProof(data.indexTree, i) }
}

/** Records that score above 0 against the query, best first (ties: the lower position). */
export function rankedPositions(data: DatanetFixture, query: Query): number[] {
  return data.records.map((r, i) => ({ i, score: dot(r.features, query.features) })).filter((s) => s.score > 0n)
    .sort((x, y) => (y.score > x.score ? 1 : y.score < x.score ? -1 : x.i - y.i)).map((s) => s.i)
}

/** Create a datanet, commit its root, register a model over it with the index root; returns the model id. */
export async function registerDatanetAndModel(stack: Stack, data: DatanetFixture, modelOwner: Signer): Promise<bigint> {
  await (await stack.datanets.connect(modelOwner).createDatanet('ipfs://datanet')).wait()
  const datanetId = await stack.datanets.datanetCount()
  await (await stack.datanets.connect(modelOwner).commitRoot(datanetId, 1n, data.datanetTree.root, BigInt(data.records.length), 'ipfs://v1')).wait()
  await (await stack.models.connect(modelOwner).registerModel(contentHash('model'), datanetId, 1n, data.indexTree.root, FEATURES, 16, 7n, 'ipfs://model')).wait()
  return await stack.models.modelCount()
}
