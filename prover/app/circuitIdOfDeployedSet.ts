import type { PoaChain } from '../chain/connectChain.ts'
import { ContractNotDeployedError } from '../chain/chainErrors.ts'
import { verifierCircuitId } from '../clients/settlementDeploy.ts'
import { CIRCUIT_SETS, attributionSpec, type CircuitSetName } from '../proof/circuitParams.ts'
import { verifierContractName } from '../proof/groth16/verifierGen.ts'

/**
 * The circuit id (over the verification key) of the verifier this chain's deployment holds for a
 * named circuit set: what a host records an inference under when it names no circuit id.
 */
export async function circuitIdOfDeployedSet({ chain, set }: { chain: PoaChain; set: CircuitSetName }): Promise<string> {
  const name = verifierContractName(attributionSpec(CIRCUIT_SETS[set]).name)
  const verifier = chain.deployment.contracts[name]
  if (verifier === undefined) throw new ContractNotDeployedError({ contract: `${name} (run \`poa settlement deploy --circuit ${set}\`, or pass --circuit-id)`, chainId: chain.chainId, file: chain.deploymentFile })
  return verifierCircuitId({ verifier, runner: chain.provider })
}
