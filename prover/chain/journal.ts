import { appendFile, mkdir, open, readFile, truncate } from 'node:fs/promises'
import { dirname } from 'node:path'
import { JournalMalformedError } from './chainErrors.ts'

/** A raw signed transaction sent through our client, with the block it was mined in. */
export type JournalTxEntry = {
  type: 'tx'
  hash: string
  raw: string
  /** Unix seconds of the block that mined it (replayed with evm_setNextBlockTimestamp). */
  timestamp: number
  blockNumber: number
  blockHash: string
}

/** Empty blocks mined on purpose (governance voting periods, timelock delays). */
export type JournalMineEntry = {
  type: 'mine'
  blocks: number
  /** Seconds between the mined blocks. */
  intervalSeconds: number
  /** Unix seconds of the first mined block. */
  timestamp: number
  /** Number and hash of the last mined block. */
  blockNumber: number
  blockHash: string
}

export type JournalEntry = JournalTxEntry | JournalMineEntry

const HEX = /^0x[0-9a-f]*$/i
const HASH = /^0x[0-9a-f]{64}$/i

/** Read every entry of a journal, checking each line's shape; a missing file is an empty journal. */
export async function readJournal(path: string): Promise<Array<{ line: number; entry: JournalEntry }>> {
  return (await readJournalFile(path)).entries
}

export type ReadJournalFileReturnType = {
  entries: Array<{ line: number; entry: JournalEntry }>
  /**
   * Byte length of the file without a torn last line. Our writer ends every line with a newline,
   * so an unparseable fragment after the last newline is an append cut short by a crash: its
   * transaction was never reported as sent, and dropping it is what the crash meant.
   */
  validBytes: number
  tornTail: boolean
}

/** Read a journal and locate a torn last line (see `validBytes`); any other bad line is an error. */
export async function readJournalFile(path: string): Promise<ReadJournalFileReturnType> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], validBytes: 0, tornTail: false }
    throw error
  }
  const lines = text.split('\n')
  const tail = lines.pop() ?? ''
  const entries: Array<{ line: number; entry: JournalEntry }> = []
  lines.forEach((content, i) => {
    if (content.trim() === '') return
    entries.push({ line: i + 1, entry: parseEntry(content, path, i + 1) })
  })
  let tornTail = false
  if (tail.trim() !== '') {
    try {
      entries.push({ line: lines.length + 1, entry: parseEntry(tail, path, lines.length + 1) })
    } catch (error) {
      if (!(error instanceof JournalMalformedError)) throw error
      tornTail = true
    }
  }
  const validBytes = Buffer.byteLength(text) - (tornTail ? Buffer.byteLength(tail) : 0)
  return { entries, validBytes, tornTail }
}

function parseEntry(content: string, journal: string, line: number): JournalEntry {
  let value: unknown
  try {
    value = JSON.parse(content)
  } catch {
    throw new JournalMalformedError({ journal, line, reason: 'is not JSON' })
  }
  const e = value as Record<string, unknown>
  const bad = (reason: string): never => {
    throw new JournalMalformedError({ journal, line, reason })
  }
  if (typeof e !== 'object' || e === null) bad('is not an object')
  if (!Number.isSafeInteger(e.timestamp) || (e.timestamp as number) <= 0) bad('field "timestamp" is not a positive integer')
  if (!Number.isSafeInteger(e.blockNumber) || (e.blockNumber as number) <= 0) bad('field "blockNumber" is not a positive integer')
  if (typeof e.blockHash !== 'string' || !HASH.test(e.blockHash)) bad('field "blockHash" is not a 32-byte hex hash')
  if (e.type === 'tx') {
    if (typeof e.hash !== 'string' || !HASH.test(e.hash)) bad('field "hash" is not a 32-byte hex hash')
    if (typeof e.raw !== 'string' || !HEX.test(e.raw) || e.raw.length < 4) bad('field "raw" is not hex bytes')
    return e as JournalTxEntry
  }
  if (e.type === 'mine') {
    if (!Number.isSafeInteger(e.blocks) || (e.blocks as number) < 1) bad('field "blocks" is not an integer >= 1')
    if (!Number.isSafeInteger(e.intervalSeconds) || (e.intervalSeconds as number) < 1) bad('field "intervalSeconds" is not an integer >= 1')
    return e as JournalMineEntry
  }
  return bad(`field "type" is ${JSON.stringify(e.type)}, expected "tx" or "mine"`)
}

/** Append one entry (one JSON line). Called only after the chain mined it, so the journal never runs ahead. */
export async function appendJournal(path: string, entry: JournalEntry): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(entry)}\n`)
}

/**
 * Make the journal end on a whole line before appending: cut a torn tail, or add the newline a
 * hand-edited last line may lack (else the next entry would be glued onto it).
 */
export async function repairJournalTail(path: string, journal: ReadJournalFileReturnType): Promise<void> {
  if (journal.tornTail) {
    await truncate(path, journal.validBytes)
    return
  }
  if (journal.validBytes === 0) return
  const handle = await open(path, 'r')
  try {
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, journal.validBytes - 1)
    if (last[0] !== 0x0a) await appendFile(path, '\n')
  } finally {
    await handle.close()
  }
}
