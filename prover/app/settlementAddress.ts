import { ContractNotDeployedError, type PoaChain } from '../chain/index.ts'

/** The AttributionSettlement of this chain: `given`, else the one in the chain's deployment file. */
export function settlementAddress(chain: PoaChain, given?: string): string {
  const address = given ?? chain.deployment.contracts.AttributionSettlement
  if (address === undefined) throw new ContractNotDeployedError({ contract: 'AttributionSettlement (run `poa settlement deploy`)', chainId: chain.chainId, file: chain.deploymentFile })
  return address
}

/** A signer of this chain: an account index (embedded chain) or a private key; default the chain's signer. */
export function signerOf(chain: PoaChain, account: number | string | undefined) {
  return account === undefined ? chain.signer : chain.getSigner(account)
}
