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
  // The challenge circuit of the same set in the same system: its verifier lets validators cancel a
  // settlement that left out a better record (Groth16's for the circom circuit, UltraHonk's for the
  // Noir program).
  const challenge = await ensureCircuitKeys({ circuitSet: p.circuitSet, statement: 'challenge', system: p.system, buildDir: p.buildDir, log: p.log })
  return withChainSession(p, async (chain) => ({
    ...(await ensureSettlement({
      chain, circuits: [{ circuitName, zkeyPath: keys.zkeyPath, system: p.system }], game: p.game,
      challenges: [{ circuitName: challenge.circuitName, zkeyPath: challenge.keys.zkeyPath, forCircuit: circuitName, system: p.system }],
    })),
    circuit: circuitName,
  }))
}
