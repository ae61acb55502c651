/**
 * Attribution quality against the proof budget (issue 10), in ONE run:
 *   - LDS (Spearman over retrained 50% subsets, averaged over held-out queries, with a 95% bootstrap
 *     interval over queries) and mislabel-detection AUC (5% flipped, self-influence) of poa's
 *     whitened-pca features, of plain TRAK, and of the exact influence function, for k = 16..256;
 *     the whitened-pca index features also re-quantised to 13 and 12 bits (query stays 16 bits);
 *   - constraints per candidate at depth 20: Attribution(K, k, 20, 16) (poa's circuit: 4-ary index
 *     tree, 16-bit index features) compiled for K = 1 and K = 2, the difference being one candidate's
 *     cost with fixed costs excluded; the same with 13-bit index features (docs/quality.md);
 *   - Groth16 prove time (snarkjs fullProve in this thread: witness + proof) of the K = 1 and K = 2
 *     circuits whose dev keys fit the cached 2^14 / 2^15 powers of tau; per candidate = the
 *     difference, or, where K = 2 does not fit, K = 1's time x the candidate's share of its
 *     constraints (an estimate, labelled "est.");
 *   - a frontier table.
 * Run: `npx tsx bench/attributionQuality.bench.ts [--quick] [--ks 16,128] [--skip-quality] [--skip-circuits] [--skip-prove]`
 * The quality setup is bench/influence.bench.ts's (same subset, seeds, model, margins): both benches
 * take it from bench/ldsHarness.ts, and every model, Hessian, projection and feature comes from
 * prover/influence.
 */
import { availableParallelism, loadavg } from 'node:os'
import * as snarkjs from 'snarkjs'
import {
  L2, d, line, gradient, auc, intScores, selfScores, hessianFactor, exactInfluenceScores,
  onnxFloatFeatures, quantized, prepareSpamSplit, retrainSubsets, ldsPerQuery, flipAndRetrain, exactSelfInfluence, meanWithInterval,
} from './ldsHarness.ts'
import { compileCircuit, type CircuitSpec, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { attributionSpec, type AttributionParams } from '../prover/proof/circuitParams.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { releaseCurve } from '../prover/proof/curve.ts'
import { devPtauPath, ensureDevKeys, requiredPower } from '../ceremony/devSetup.ts'
import { existsSync } from 'node:fs'
import { randomWitness } from '../test/witnessFixture.ts'

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const N_TRAIN = QUICK ? 300 : 2000
const N_QUERY = QUICK ? 20 : 100
const SUBSETS = QUICK ? 8 : 50
const KS = args.includes('--ks') ? args[args.indexOf('--ks') + 1].split(',').map(Number) : QUICK ? [16, 32] : [16, 32, 64, 128, 256]
const INDEX_BITS = [13, 12]
const DEPTH = 20
const BOOTSTRAP = 2000
const PTAU_WAIT_MS = 25 * 60_000
const r4 = (x: number) => +x.toFixed(4)

type Quality = { lds: Record<string, number>; auc: Record<string, number> }

async function measureQuality(): Promise<Quality> {
  const out: Quality = { lds: {}, auc: {} }
  const split = await prepareSpamSplit(N_TRAIN, N_QUERY)
  const { rows, y, qrows, full, yq } = split
  line({ case: 'model', trainRecords: rows.length, queries: N_QUERY, iterations: full.iterations, heldOutAccuracy: split.heldOutAccuracy })

  const retrained = await retrainSubsets(split, SUBSETS)
  line({ case: 'retrain', subsets: SUBSETS, seconds: retrained.seconds })
  const lds = (score: (q: number) => ArrayLike<number>) => meanWithInterval(ldsPerQuery(retrained, score), BOOTSTRAP)

  const L = hessianFactor(full, rows)
  const gTrain = rows.map((r, i) => gradient(full, r, y[i]))
  const exact = lds((q) => exactInfluenceScores(L, gTrain, gradient(full, qrows[q], yq[q])))
  out.lds.exact = exact.mean
  line({ case: 'lds', method: 'exact-influence', lds: r4(exact.mean), ci95: [r4(exact.lo), r4(exact.hi)], ratioToExact: 1 })
  for (const kind of ['trak', 'whitened-pca'] as const) {
    for (const k of KS) {
      const f = await onnxFloatFeatures(full, kind, k, kind === 'trak' ? undefined : L, rows, y, qrows, yq)
      for (const bits of kind === 'trak' ? [16] : [16, ...INDEX_BITS]) {
        const qf = quantized(f, bits)
        const v = lds((q) => intScores(qf.train, qf.query, k, q))
        if (bits === 16) out.lds[`${kind}/${k}`] = v.mean
        line({ case: 'lds', method: kind, k, indexBits: bits, featureFracBits: qf.fracBits - (16 - bits), queryClamped: qf.clamped, provider: f.provider, projectionSeconds: f.projectionSeconds,
          lds: r4(v.mean), ci95: [r4(v.lo), r4(v.hi)], ratioToExact: +(v.mean / exact.mean).toFixed(3) })
      }
    }
  }

  // Mislabel detection: flip 5% of the labels, retrain, rank by self-influence <phi_i, phi_i>.
  const mislabeled = await flipAndRetrain(split)
  const { flipped, yNoisy, noisy, Ln } = mislabeled
  const selfExact = exactSelfInfluence(mislabeled, rows)
  out.auc.exact = auc(selfExact, flipped)
  line({ case: 'mislabel', method: 'exact-influence', flipped: mislabeled.flippedCount, auc: r4(out.auc.exact) })
  for (const kind of ['trak', 'whitened-pca'] as const) {
    for (const k of KS) {
      const f = await onnxFloatFeatures(noisy, kind, k, kind === 'trak' ? undefined : Ln, rows, yNoisy, [], [])
      const phi = quantized(f, 16).train
      const self = selfScores(phi, k, rows.length)
      out.auc[`${kind}/${k}`] = auc(self, flipped)
      line({ case: 'mislabel', method: kind, k, auc: r4(out.auc[`${kind}/${k}`]) })
    }
  }
  return out
}

type Cost = { design: string; k: number; bits: number; K1: number; K2: number; perCandidate: number; circuits: CompiledCircuit[]; powers: number[]; proveS?: number; proveBasis?: string }

async function measureCircuits(): Promise<Cost[]> {
  const costs: Cost[] = []
  const log = (s: string) => console.error(s)
  const designs = [
    ...KS.map((k) => ({ design: 'poa circuit (4-ary index tree, 16-bit index features)', k, bits: 16, spec: (K: number) => attributionSpec({ candidateSlots: K, featureCount: k, treeDepth: DEPTH }) })),
    ...KS.filter((k) => k >= 64).map((k) => ({ design: '13-bit index features', k, bits: 13, spec: (K: number) => indexBitsSpec({ candidateSlots: K, featureCount: k, treeDepth: DEPTH }, 13) })),
  ]
  for (const x of designs) {
    const c1 = await compileCircuit(x.spec(1), log)
    const c2 = await compileCircuit(x.spec(2), log)
    const K1 = (await readR1cs(c1.r1csPath)).nConstraints
    const K2 = (await readR1cs(c2.r1csPath)).nConstraints
    const powers = [await requiredPower(c1.r1csPath), await requiredPower(c2.r1csPath)]
    costs.push({ design: x.design, k: x.k, bits: x.bits, K1, K2, perCandidate: K2 - K1, circuits: [c1, c2], powers })
    line({ case: 'constraints', design: x.design, k: x.k, indexBits: x.bits, depth: DEPTH, constraintsK1: K1, constraintsK2: K2, perCandidate: K2 - K1, fitsBudget12k: K2 - K1 <= 12000, ptauPowers: powers })
  }
  return costs
}

/** The product circuit with `bits`-bit index features (measured only: the product takes 16). */
function indexBitsSpec(params: AttributionParams, bits: number): CircuitSpec {
  const spec = attributionSpec(params)
  return { ...spec, name: `${spec.name}_b${bits}`, params: [params.candidateSlots, params.featureCount, params.treeDepth, bits] }
}

/**
 * Prove time of K = 1 and K = 2 (best of two runs each, the machine being shared); per candidate =
 * the difference when both fit a prepared 2^14 / 2^15 ptau, else K = 1's time scaled by the
 * candidate's share of its constraints (an estimate, labelled).
 */
async function measureProving(costs: Cost[]): Promise<void> {
  // Another process may be preparing the 2^15 dev ptau (its lock folder exists): wait for its file
  // rather than call ensureDevPtau, whose 30-minute stale-lock rule could start a second, clashing
  // generation of the same ceremony folder.
  const started = Date.now()
  while (!existsSync(devPtauPath(15)) && existsSync(`${devPtauPath(15)}.lock`) && Date.now() - started < PTAU_WAIT_MS) {
    if (Date.now() - started < 1000) console.error('waiting for the 2^15 dev ptau another process is preparing')
    await new Promise((r) => setTimeout(r, 10_000))
  }
  // The 13-bit prototype needs a TS 13-bit packing the witness fixtures do not have: not proven.
  let warmed = false
  for (const c of costs.filter((x) => x.bits === 16)) {
    const seconds: (number | undefined)[] = []
    for (const K of [1, 2]) {
      const circuit = c.circuits[K - 1]
      const power = c.powers[K - 1]
      if (power > 15 || !existsSync(devPtauPath(power))) {
        line({ case: 'prove', design: c.design, k: c.k, K, skipped: `needs 2^${power}; no prepared dev ptau of that size here` })
        seconds.push(undefined)
        continue
      }
      const keys = await ensureDevKeys(circuit, (s) => console.error(s))
      const params = { candidateSlots: K, featureCount: c.k, treeDepth: DEPTH }
      const input = (await randomWitness({ params, seed: 3, records: 64 })).witness.input
      const prove = async () => {
        const t = process.hrtime.bigint()
        const { proof, publicSignals } = await snarkjs.groth16.fullProve(input as any, circuit.wasmPath, keys.zkeyPath)
        const s = Number(process.hrtime.bigint() - t) / 1e9
        if (!(await snarkjs.groth16.verify(keys.verificationKey, publicSignals, proof))) throw new Error(`${c.design} k=${c.k} K=${K}: proof did not verify`)
        return s
      }
      if (!warmed) { await prove(); warmed = true } // the first proof also builds the curve's tables
      const best = Math.min(await prove(), await prove())
      seconds.push(best)
      line({ case: 'prove', design: c.design, k: c.k, K, constraints: K === 1 ? c.K1 : c.K2, ptauPower: power, proveSeconds: +best.toFixed(2) })
    }
    if (seconds[0] !== undefined && seconds[1] !== undefined) {
      c.proveS = seconds[1] - seconds[0]
      c.proveBasis = 'K2 - K1'
    } else if (seconds[0] !== undefined) {
      c.proveS = seconds[0] * (c.perCandidate / c.K1)
      c.proveBasis = 'est. K1 x share'
    }
    if (c.proveS !== undefined) line({ case: 'prove-per-candidate', design: c.design, k: c.k, seconds: +c.proveS.toFixed(2), basis: c.proveBasis })
  }
}

async function main(): Promise<void> {
  const t0 = Date.now()
  console.log(`cores ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, onnxruntime provider cpu, snarkjs 0.7.6, circom2 0.2.23 --O2`)
  console.log(`params: train ${N_TRAIN} + ${N_QUERY} queries (Spam Assassin, balanced, seed 1), d ${d}, l2 ${L2}, subsets ${SUBSETS} x 50%, bootstrap ${BOOTSTRAP} over queries, k ${KS.join('/')}, index bits 16/${INDEX_BITS.join('/')}, depth ${DEPTH}`)
  const quality = args.includes('--skip-quality') ? undefined : await measureQuality()
  const costs = args.includes('--skip-circuits') ? [] : await measureCircuits()
  if (costs.length && !args.includes('--skip-prove')) await measureProving(costs)
  // requiredPower reads the r1cs through snarkjs, whose curve threads keep the process alive.
  await releaseCurve()
  console.log('\nfrontier (whitened-pca = poa default; LDS share of exact IF; constraints per candidate at depth 20)')
  console.log('| k | whitened-pca LDS (x exact) | trak LDS (x exact) | poa circuit (4-ary, 16-bit) | 13-bit index features | prove s / candidate |')
  console.log('|---|---|---|---|---|---|')
  for (const k of KS) {
    const share = (key: string) => (quality && quality.lds[key] !== undefined ? `${quality.lds[key].toFixed(3)} (${(quality.lds[key] / quality.lds.exact).toFixed(2)})` : '-')
    const cost = (prefix: string, bits: number) => costs.find((c) => c.k === k && c.bits === bits && c.design.startsWith(prefix))
    const fmt = (c?: Cost) => (c ? `${c.perCandidate}${c.perCandidate <= 12000 ? '' : ' (> 12k)'}` : '-')
    const q = cost('poa', 16)
    const s = (c?: Cost) => (c?.proveS !== undefined ? `${c.proveS.toFixed(2)}${c.proveBasis === 'K2 - K1' ? '' : ' (est.)'}` : '-')
    console.log(`| ${k} | ${share(`whitened-pca/${k}`)} | ${share(`trak/${k}`)} | ${fmt(q)} | ${fmt(cost('13-bit', 13))} | ${s(q)} |`)
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

await main()
