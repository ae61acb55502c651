/**
 * Held-out accuracy of the vectorisers on short texts that are not mail: sentences of the State of
 * the Union addresses labelled by century (18th, 19th, 20th, 21st; prover/dataset/stateOfTheUnion.ts),
 * a four-class problem. Run: `npx tsx bench/vectorizers.bench.ts [--per-label N]`.
 * For each vectoriser spec: vectorise, train the engine's L2 linear softmax (l2 = 1e-3, as
 * `poa model train`) on `perLabel` sentences per class, and report accuracy on a disjoint held-out
 * set of 100 sentences per class, next to the majority-class baseline (0.25 when balanced).
 * The attribution features are not involved: the vectoriser decides what the model can learn.
 */
import { availableParallelism } from 'node:os'
import { loadStateOfTheUnion } from '../prover/dataset/index.ts'
import { parseVectorizerSpec, trainSoftmax, vectorize, type SparseVector } from '../prover/influence/index.ts'

const args = process.argv.slice(2)
const PER_LABEL = Number(args[args.indexOf('--per-label') + 1] || 200)
const HELD_OUT = 100
const SPECS = ['hashing-v1', 'word:1', 'word:1-2', 'char:1-3', 'char:2-4', 'char:1-3@4096', 'char:2-4@4096']

console.log(JSON.stringify({ bench: 'vectorizers', cores: availableParallelism(), node: process.version, perLabel: PER_LABEL, heldOutPerLabel: HELD_OUT, l2: 1e-3 }))
const all = loadStateOfTheUnion({ perLabel: PER_LABEL + HELD_OUT, seed: 7 })
const labels = [...new Set(all.map((r) => r.label))].sort()
// Every (PER_LABEL + HELD_OUT)-th... split per label: the first HELD_OUT of each label's seeded order are held out.
const seen = new Map<string, number>()
const train: typeof all = []
const test: typeof all = []
for (const r of all) {
  const n = seen.get(r.label) ?? 0
  seen.set(r.label, n + 1)
  ;((n * 7919) % (PER_LABEL + HELD_OUT) < HELD_OUT ? test : train).push(r)
}
const counts = labels.map((l) => test.filter((r) => r.label === l).length)
const majority = Math.max(...counts) / test.length
console.log(JSON.stringify({ train: train.length, test: test.length, labels, majorityBaseline: Number(majority.toFixed(3)) }))

function predict(w: { W: Float64Array; b: Float64Array }, row: SparseVector, C: number, d: number): number {
  let best = 0
  let bestZ = -Infinity
  for (let c = 0; c < C; c++) {
    let z = w.b[c]
    for (let j = 0; j < row.indices.length; j++) z += w.W[c * d + row.indices[j]] * row.values[j]
    if (z > bestZ) [best, bestZ] = [c, z]
  }
  return best
}

for (const spec of SPECS) {
  const config = parseVectorizerSpec(spec)
  const started = performance.now()
  const rows = train.map((r) => vectorize(r.content, config))
  const weights = await trainSoftmax({ rows, labels: Int32Array.from(train, (r) => labels.indexOf(r.label)), classes: labels.length, dim: config.dim, l2: 1e-3 })
  const trainMs = performance.now() - started
  const trainAcc = rows.filter((row, i) => predict(weights, row, labels.length, config.dim) === labels.indexOf(train[i].label)).length / rows.length
  const heldOut = test.filter((r) => predict(weights, vectorize(r.content, config), labels.length, config.dim) === labels.indexOf(r.label)).length / test.length
  console.log(JSON.stringify({ spec, dim: config.dim, trainAccuracy: Number(trainAcc.toFixed(3)), heldOutAccuracy: Number(heldOut.toFixed(3)), trainMs: Math.round(trainMs) }))
}
