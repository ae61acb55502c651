import { ensureSettlement, type EnsureSettlementReturnType } from '../clients/settlementSetup.ts'
import type { ChallengeGameParameters } from '../clients/settlementDeploy.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { withChainSession } from './withChainSession.ts'
import type { ProofSystemName } from '../proof/proofSystems.ts'

/** Options of deployDevSettlement. */
export type DeployDevSettlementParameters = AppFolders & AppChain & Pick<AppReporting, 'log' | 'onProgress'> & {
  circuitSet: CircuitSetName
  /** The proof system of the circuit whose verifier is approved (default groth16). */
  system?: ProofSystemName
  /** The challenge game of a new settlement (default: DEFAULT_CHALLENGE_GAME); an existing settlement keeps its own. */
  game?: ChallengeGameParameters
}

/** Deploy AttributionSettlement and the verifier of a circuit set's dev keys (INSECURE), idempotently. */
export async function deployDevSettlement(p: DeployDevSettlementParameters): Promise<EnsureSettlementReturnType & { circuit: string }> {
  const { circuitName, keys } = await ensureCircuitKeys({ circuitSet: p.circuitSet, system: p.system, buildDir: p.buildDir, log: p.log })
  // The challenge circuit of the same set: its verifier lets validators cancel a settlement that left
  // out a better record. Groth16 only for now (no Noir challenge circuit yet): an UltraHonk
  // settlement cannot be challenged (the contract answers SettlementChallengeUnsupported).
  const challenge = p.system === 'ultrahonk' ? undefined : await ensureCircuitKeys({ circuitSet: p.circuitSet, statement: 'challenge', buildDir: p.buildDir, log: p.log })
  return withChainSession(p, async (chain) => ({
    ...(await ensureSettlement({
      chain, circuits: [{ circuitName, zkeyPath: keys.zkeyPath, system: p.system }], game: p.game,
      challenges: challenge ? [{ circuitName: challenge.circuitName, zkeyPath: challenge.keys.zkeyPath, forCircuit: circuitName }] : [],
    })),
    circuit: circuitName,
  }))
}
