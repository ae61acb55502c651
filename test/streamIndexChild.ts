/**
 * Child process of test/indexStreaming.test.ts: `node --import tsx test/streamIndexChild.ts <model dir>
 * <index dir> <datanet root>` starts a streaming build of the test's 1,100 records (batches of 512)
 * whose second batch never arrives, so the parent can SIGKILL it after the first checkpoint.
 */
import { loadSpamAssassin } from '../prover/dataset/spamAssassin.ts'
import { recordLeavesOf } from '../prover/datanet/recordLeaf.ts'
import { loadModel, streamModelIndex } from '../prover/influence/index.ts'

const [modelPath, dir, root] = process.argv.slice(2)
const mails = loadSpamAssassin({ limit: 1100, seed: 4 })
const leaves = await recordLeavesOf(mails)
const records = mails.map((m, i) => ({ ...m, datanetLabel: m.label, leaf: leaves[i] }))
const source = {
  count: records.length,
  read: async (start: number, end: number) => {
    if (start > 0) await new Promise((resolve) => setTimeout(resolve, 600_000))
    return records.slice(start, end)
  },
}
await streamModelIndex({ model: await loadModel(modelPath), records: source, datanet: { id: 'spam', version: 1, root: BigInt(root) }, dir, treeDepth: 11, batchSize: 512, backend: 'native' })
