import { getPoseidon } from '../hash/index.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { FEATURE_BITS, FEATURE_BOUND } from './featureBound.ts'

/**
 * How attribution features are committed. A feature is a signed integer of FEATURE_BITS bits:
 * -2^15 < phi < 2^15. For hashing, each is offset to u = phi + 2^15 in [1, 2^16) and
 * FEATURES_PER_ELEMENT of them are packed little-endian into one field element
 * (sum_t u_t * 2^(16 t), 240 bits < r). The feature hash is a Poseidon chain over the packed
 * elements: h = Poseidon(p_0..p_15) for up to 16 elements, else h_1 = Poseidon(p_0..p_15),
 * h_{j+1} = Poseidon(h_j, next up to 15). Circuit twin: `FeatureHash(k)` in circuits/lib.
 */
export { FEATURE_BITS, FEATURE_BOUND } from './featureBound.ts'
export const FEATURES_PER_ELEMENT = 15

/** Check every feature is within ±FEATURE_BOUND; `where` names the vector in the error. */
export function checkFeatures(features: readonly bigint[], where: string): void {
  features.forEach((phi, i) => {
    if (phi > FEATURE_BOUND || phi < -FEATURE_BOUND) {
      throw new ValueOutOfRangeError({ where: `${where}[${i}]`, value: phi, min: -FEATURE_BOUND, max: FEATURE_BOUND })
    }
  })
}

/** Pack signed features into field elements as described above. */
export function packFeatures(features: readonly bigint[]): bigint[] {
  checkFeatures(features, 'features')
  const offset = 1n << BigInt(FEATURE_BITS - 1)
  const packed: bigint[] = []
  for (let j = 0; j < features.length; j += FEATURES_PER_ELEMENT) {
    let element = 0n
    const chunk = features.slice(j, j + FEATURES_PER_ELEMENT)
    for (let t = chunk.length - 1; t >= 0; t--) element = (element << BigInt(FEATURE_BITS)) + chunk[t] + offset
    packed.push(element)
  }
  return packed
}

/** Poseidon chain over the packed features (see the module comment). */
export async function featureHash(features: readonly bigint[]): Promise<bigint> {
  if (features.length === 0) throw new RangeError('feature vector is empty')
  const poseidon = await getPoseidon()
  const packed = packFeatures(features)
  let h = poseidon.hash(packed.slice(0, 16))
  for (let j = 16; j < packed.length; j += 15) h = poseidon.hash([h, ...packed.slice(j, j + 15)])
  return h
}

/** Index leaf = Poseidon(recordLeaf, featureHash(phi)): binds a datanet record to its features. Circuit: `IndexLeaf(k)`. */
export async function indexLeaf({ recordLeaf, features }: { recordLeaf: bigint; features: readonly bigint[] }): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.hash([recordLeaf, await featureHash(features)])
}

/** Query commitment = Poseidon(inputHash, featureHash(phi_q)): binds the query's input and its features. */
export async function queryCommitment({ inputHash, features }: { inputHash: bigint; features: readonly bigint[] }): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.hash([inputHash, await featureHash(features)])
}
