import { parseUnits, type Signer } from 'ethers'
import type { PoaChain } from '../../chain/connectChain.ts'
import { newInferenceId, recordInference, settlementAt } from '../../clients/settlementClient.ts'
import { queryModel } from '../../influence/index.ts'
import type { DemoModel } from './demoModel.ts'
import type { DemoRun } from './demoRun.ts'

export type DemoInference = {
  inferenceId: string
  feeWei: bigint
  poolWei: bigint
  query: Awaited<ReturnType<typeof queryModel>>
}

/** A paid inference: the host is funded, queries the model, and escrows the fee against the query's commitment. */
export async function recordDemoInference(run: DemoRun, p: { chain: PoaChain; settlement: string; host: Signer; model: DemoModel; queryText: string; feeOpen: string; circuitId: string }): Promise<DemoInference> {
  const query = await queryModel({ model: p.model.model, text: p.queryText, featureFracBits: p.model.index.manifest.featureFracBits })
  const feeWei = parseUnits(p.feeOpen, 18)
  await (await p.chain.contracts.openToken.getFunction('transfer')(await p.host.getAddress(), feeWei)).wait()
  const inferenceId = newInferenceId(await p.host.getAddress())
  run.tx('record inference', await recordInference({ settlement: p.settlement, signer: p.host, modelId: p.model.modelId, inferenceId, circuitId: p.circuitId, queryCommitment: query.queryCommitment, feeWei }))
  const poolWei = BigInt((await (await settlementAt(p.settlement, p.host)).inference(inferenceId)).pool)
  return { inferenceId, feeWei, poolWei, query }
}
