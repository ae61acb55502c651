import { InvalidHexError, WitnessShapeError } from './errors.ts'
import type { BuildAttributionWitnessParameters, AttributionCandidateInput } from './buildAttributionWitness.ts'
import type { MerkleProof, QuaternaryProof } from '../merkle/index.ts'

/**
 * Read buildAttributionWitness parameters from JSON (big numbers as decimal or 0x-hex strings,
 * features may be negative decimals; leafIndex and params are numbers), naming the field that is
 * wrong. The semantic checks (ranges, proofs, order) stay in buildAttributionWitness.
 */
export function parseWitnessParameters(json: unknown): BuildAttributionWitnessParameters {
  const root = object(json, '(root)')
  const params = object(root.params, 'params')
  const query = object(root.query, 'query')
  if (!Array.isArray(root.candidates)) throw new WitnessShapeError({ where: 'candidates', expected: 'an array', got: Number.NaN })
  return {
    params: { candidateSlots: int(params.candidateSlots, 'params.candidateSlots'), featureCount: int(params.featureCount, 'params.featureCount'), treeDepth: int(params.treeDepth, 'params.treeDepth') },
    settlementId: big(root.settlementId, 'settlementId'),
    datanetRoot: big(root.datanetRoot, 'datanetRoot'),
    indexRoot: big(root.indexRoot, 'indexRoot'),
    pool: big(root.pool, 'pool'),
    query: { inputHash: big(query.inputHash, 'query.inputHash'), features: bigs(query.features, 'query.features') },
    candidates: root.candidates.map((c: unknown, i: number): AttributionCandidateInput => {
      const where = `candidates[${i}]`
      const o = object(c, where)
      if (typeof o.contributor !== 'string') throw new InvalidHexError({ where: `${where}.contributor`, value: show(o.contributor), expected: 'an address string' })
      return {
        leafIndex: int(o.leafIndex, `${where}.leafIndex`),
        contributor: o.contributor,
        contentHash: big(o.contentHash, `${where}.contentHash`),
        labelHash: big(o.labelHash, `${where}.labelHash`),
        features: bigs(o.features, `${where}.features`),
        datanetProof: proof(o.datanetProof, `${where}.datanetProof`),
        indexProof: quaternaryProof(o.indexProof, `${where}.indexProof`),
      }
    }),
  }
}

function object(x: unknown, where: string): Record<string, any> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new InvalidHexError({ where, value: show(x), expected: 'an object' })
  return x as Record<string, any>
}

function int(x: unknown, where: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new InvalidHexError({ where, value: show(x), expected: 'an integer' })
  return x
}

function big(x: unknown, where: string): bigint {
  if (typeof x === 'string' && /^(-?(0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$/.test(x)) return BigInt(x)
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x)
  throw new InvalidHexError({ where, value: show(x), expected: 'an integer as a decimal or 0x-hex string' })
}

function bigs(x: unknown, where: string): bigint[] {
  if (!Array.isArray(x)) throw new InvalidHexError({ where, value: show(x), expected: 'an array of integers' })
  return x.map((v, i) => big(v, `${where}[${i}]`))
}

function proof(x: unknown, where: string): MerkleProof {
  const o = object(x, where)
  return { root: big(o.root, `${where}.root`), leaf: big(o.leaf, `${where}.leaf`), leafIndex: int(o.leafIndex, `${where}.leafIndex`), siblings: bigs(o.siblings, `${where}.siblings`) }
}

function quaternaryProof(x: unknown, where: string): QuaternaryProof {
  const o = object(x, where)
  if (!Array.isArray(o.children)) throw new InvalidHexError({ where: `${where}.children`, value: show(o.children), expected: 'an array of levels of 4 children' })
  const children = o.children.map((level: unknown, l: number) => bigs(level, `${where}.children[${l}]`))
  return { root: big(o.root, `${where}.root`), leaf: big(o.leaf, `${where}.leaf`), leafIndex: int(o.leafIndex, `${where}.leafIndex`), children }
}

function show(x: unknown): string {
  return typeof x === 'string' ? x : (JSON.stringify(x) ?? String(x))
}
