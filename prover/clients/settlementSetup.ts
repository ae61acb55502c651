import { Contract } from 'ethers'
import type { PoaChain } from '../chain/connectChain.ts'
import { compileContracts, getHardhatRuntime } from '../chain/hardhatRuntime.ts'
import { deployChallengeVerifier, deploySettlement, deployVerifier, prepareVerifiers, settlementAbi, type ChallengeGameParameters, type SettlementShares } from './settlementDeploy.ts'
import { verifierContractName } from '../proof/groth16/verifierGen.ts'
import { ContractNotDeployedError } from '../chain/chainErrors.ts'
import type { ProofSystemName } from '../proof/proofSystems.ts'

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

export type EnsureSettlementParameters = {
  chain: PoaChain
  /** Circuits to approve, with the proving key their verifier is generated from and its proof system (default groth16). */
  circuits: readonly { circuitName: string; zkeyPath: string; system?: ProofSystemName }[]
  /** Receives the treasury share (default: the chain's signer). */
  treasury?: string
  shares?: SettlementShares
  refundTimeoutS?: number
  /** The challenge game of a new settlement (default DEFAULT_CHALLENGE_GAME); an existing one keeps its own. */
  game?: ChallengeGameParameters
  /**
   * Challenge circuits to approve, each for one of `circuits` (`forCircuit`), with the proving key its
   * verifier is generated from and its proof system (default groth16; an UltraHonk attribution
   * circuit is challenged by the Noir challenge program).
   */
  challenges?: readonly { circuitName: string; zkeyPath: string; forCircuit: string; system?: ProofSystemName }[]
}

export type EnsureSettlementReturnType = {
  settlement: string
  /** circuit name -> verifier address now approved. */
  verifiers: Record<string, string>
  /** circuit name -> its circuit id (over the verification key), what recordInference takes. */
  circuitIds: Record<string, string>
  /** Contracts deployed by this call (name -> gas used). */
  deployed: Record<string, bigint>
}

/**
 * Make sure the chain has an AttributionSettlement (next to the chain engineer's registries and
 * token) and, for each circuit, an approved verifier whose code is the one generated from the given
 * zkey: generate the sources, compile, deploy what is missing or stale, and record the addresses
 * in the chain's deployment file. Idempotent: a second call with the same keys sends nothing.
 * The chain's signer must own the settlement to approve a new verifier.
 */
export async function ensureSettlement({ chain, circuits, treasury, shares, refundTimeoutS, game, challenges = [] }: EnsureSettlementParameters): Promise<EnsureSettlementReturnType> {
  const all = await prepareVerifiers({ circuits: [...circuits, ...challenges] })
  const generated = all.slice(0, circuits.length)
  const hre = await getHardhatRuntime()
  // getHardhatRuntime compiles once per process under a cross-process lock; compile again when a
  // verifier's compiled code is not the current source's: its circuit id (a constant of the source,
  // so in the bytecode) tells, also when another process rewrote the source after this one compiled.
  const stale = async (g: (typeof all)[number]) =>
    g.changed || !(await hre.artifacts.artifactExists(g.contractName)) ||
    !(await hre.artifacts.readArtifact(g.contractName)).deployedBytecode.toLowerCase().includes(g.circuitId.slice(2).toLowerCase())
  if ((await Promise.all(all.map(stale))).some(Boolean)) await compileContracts(hre) // under the cross-process compile lock
  const deployed: Record<string, bigint> = {}
  const contracts = chain.deployment.contracts
  for (const name of ['OpenToken', 'DatanetRegistry', 'ModelRegistry']) {
    if (contracts[name] === undefined) throw new ContractNotDeployedError({ contract: name, chainId: chain.chainId, file: chain.deploymentFile })
  }
  let settlement = contracts.AttributionSettlement
  const added: Record<string, string> = {}
  if (settlement === undefined) {
    const result = await deploySettlement({
      signer: chain.signer, token: contracts.OpenToken, datanetRegistry: contracts.DatanetRegistry, modelRegistry: contracts.ModelRegistry,
      treasury: treasury ?? chain.signerAddress, shares, refundTimeoutS, game, circuits: circuits.map((c) => c.circuitName),
    })
    settlement = result.settlement
    added.AttributionSettlement = settlement
    deployed.AttributionSettlement = result.deployGas
    for (const [name, v] of Object.entries(result.verifiers)) {
      added[verifierContractName(name)] = v.address
      deployed[verifierContractName(name)] = v.deployGas
    }
  }
  const contract = new Contract(settlement, await settlementAbi(), chain.provider)
  /**
   * Whether `current` (a verifier address, zero when none) runs the compiled code of `circuitName`'s
   * verifier. Immutables (the UltraHonk adapter keeps its verifier's address in one) are written at
   * deployment, so their bytes are left out of the comparison: the compiler says where they are.
   */
  const isCurrent = async (current: string, circuitName: string) => {
    if (current === ZERO_ADDRESS) return false
    const artifact = await hre.artifacts.readArtifact(verifierContractName(circuitName))
    const build = await hre.artifacts.getBuildInfo(`${artifact.sourceName}:${artifact.contractName}`)
    const references = build?.output.contracts[artifact.sourceName]?.[artifact.contractName]?.evm.deployedBytecode.immutableReferences ?? {}
    return sameCodeBesideImmutables(await chain.provider.getCode(current), artifact.deployedBytecode, Object.values(references).flat())
  }
  if (added.AttributionSettlement === undefined) {
    for (const [i, { circuitName }] of circuits.entries()) {
      const [current] = (await chain.run(`read verifier of ${circuitName}`, () => contract.verifierOf(generated[i].circuitId))) as [string, bigint]
      // New dev keys are a new circuit id; approve its verifier beside the old one (inferences
      // recorded under the old id keep theirs). Same id but other code (a regenerated template): redeploy.
      if (await isCurrent(current, circuitName)) continue
      const v = await deployVerifier({ signer: chain.signer, settlement, circuitName })
      added[verifierContractName(circuitName)] = v.address
      deployed[verifierContractName(circuitName)] = v.deployGas
    }
  }
  // Each challenge circuit's verifier, approved for its attribution circuit (same rule: redeploy when the code differs).
  for (const challenge of challenges) {
    const at = circuits.findIndex((c) => c.circuitName === challenge.forCircuit)
    if (at < 0) throw new TypeError(`challenge circuit ${challenge.circuitName} is for ${challenge.forCircuit}, which is not one of the circuits`)
    const forId = generated[at].circuitId
    const current = (await chain.run(`read challenge verifier of ${challenge.forCircuit}`, () => contract.challengeVerifierOf(forId))) as string
    if (await isCurrent(current, challenge.circuitName)) continue
    const v = await deployChallengeVerifier({ signer: chain.signer, settlement, circuitName: challenge.circuitName, attributionCircuitId: forId })
    added[verifierContractName(challenge.circuitName)] = v.address
    deployed[verifierContractName(challenge.circuitName)] = v.deployGas
  }
  if (Object.keys(added).length > 0) await chain.recordDeployment(added)
  const verifiers: Record<string, string> = {}
  const circuitIds: Record<string, string> = {}
  for (const [i, { circuitName }] of circuits.entries()) {
    verifiers[circuitName] = chain.deployment.contracts[verifierContractName(circuitName)] ?? added[verifierContractName(circuitName)]
    circuitIds[circuitName] = generated[i].circuitId
  }
  return { settlement, verifiers, circuitIds, deployed }
}

/**
 * Whether deployed runtime code equals compiled runtime code except at the immutables' byte ranges
 * (compiled code holds zeros there; deployed code, the values the constructor wrote).
 */
export function sameCodeBesideImmutables(deployed: string, compiled: string, immutables: readonly { start: number; length: number }[]): boolean {
  if (deployed.length !== compiled.length) return false
  const code = Buffer.from(deployed.slice(2), 'hex')
  for (const { start, length } of immutables) code.fill(0, start, start + length)
  return `0x${code.toString('hex')}` === compiled.toLowerCase()
}
