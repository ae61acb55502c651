import type { PoaChain } from '../../chain/connectChain.ts'
import { deploySettlement } from '../../clients/settlementDeploy.ts'
import { deployGovernance } from '../../governance/deploy.ts'
import type { DemoRun } from './demoRun.ts'

export type DemoContracts = { settlement: string; governance: Awaited<ReturnType<typeof deployGovernance>> }

/**
 * Deploy the settlement with the circuit's verifier, then hand its policy (fee shares, treasury,
 * refund timeout, verifiers, challenge game) to $OPEN holders from the start: the Timelock behind
 * the Governor takes ownership of the settlement.
 */
export async function deployDemoContracts(run: DemoRun, chain: PoaChain, circuitName: string): Promise<DemoContracts> {
  const deployed = await run.timed('deploy', () =>
    deploySettlement({
      signer: chain.signer,
      token: chain.deployment.contracts.OpenToken,
      datanetRegistry: chain.deployment.contracts.DatanetRegistry,
      modelRegistry: chain.deployment.contracts.ModelRegistry,
      treasury: chain.signerAddress,
      circuits: [circuitName],
    }),
  )
  const settlement = deployed.settlement
  await chain.recordDeployment({ AttributionSettlement: settlement, [`Verifier_${circuitName}`]: deployed.verifiers[circuitName].address })
  const governance = await run.timed('governance', () =>
    deployGovernance({ signer: chain.signer, token: chain.deployment.contracts.OpenToken, settlement }),
  )
  await chain.recordDeployment({ PoaGovernor: governance.governor, TimelockController: governance.timelock })
  return { settlement, governance }
}
