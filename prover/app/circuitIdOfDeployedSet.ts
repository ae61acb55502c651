import type { PoaChain } from '../chain/connectChain.ts'
import { ContractNotDeployedError } from '../chain/chainErrors.ts'
import { verifierCircuitId } from '../clients/settlementDeploy.ts'
import { CIRCUIT_SETS, attributionSpec, type CircuitSetName } from '../proof/circuitParams.ts'
import { verifierContractName } from '../proof/groth16/verifierGen.ts'
import { noirAttributionName } from '../proof/noir/noirParams.ts'
import { DEFAULT_PROOF_SYSTEM, type ProofSystemName } from '../proof/proofSystems.ts'

/**
 * The circuit id (over the verification key) of the verifier this chain's deployment holds for a
 * named circuit set under a proof system (its circom circuit for Groth16, its Noir program for
 * UltraHonk): what a host records an inference under when it names no circuit id.
 */
export async function circuitIdOfDeployedSet({ chain, set, system = DEFAULT_PROOF_SYSTEM }: { chain: PoaChain; set: CircuitSetName; system?: ProofSystemName }): Promise<string> {
  const name = verifierNameOfSet(set, system)
  const verifier = chain.deployment.contracts[name]
  if (verifier === undefined) throw new ContractNotDeployedError({ contract: `${name} (run \`poa settlement deploy --circuit ${set} --system ${system}\`, or pass --circuit-id)`, chainId: chain.chainId, file: chain.deploymentFile })
  return verifierCircuitId({ verifier, runner: chain.provider })
}

/** The deployment's contract name of a set's attribution verifier under a proof system. */
export function verifierNameOfSet(set: CircuitSetName, system: ProofSystemName = DEFAULT_PROOF_SYSTEM): string {
  const params = CIRCUIT_SETS[set]
  return verifierContractName(system === 'ultrahonk' ? noirAttributionName(params) : attributionSpec(params).name)
}
