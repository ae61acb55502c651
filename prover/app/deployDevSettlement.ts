import { ensureSettlement, type EnsureSettlementReturnType } from '../clients/settlementSetup.ts'
import type { ChallengeGameParameters } from '../clients/settlementDeploy.ts'
import type { CircuitSetName } from '../proof/circuitParams.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { ensureCircuitKeys } from './ensureCircuitKeys.ts'
import { withChainSession } from './withChainSession.ts'

/** Options of deployDevSettlement. */
export type DeployDevSettlementParameters = AppFolders & AppChain & Pick<AppReporting, 'log' | 'onProgress'> & {
  circuitSet: CircuitSetName
  /** The challenge game of a new settlement (default: DEFAULT_CHALLENGE_GAME); an existing settlement keeps its own. */
  game?: ChallengeGameParameters
}

/** Deploy AttributionSettlement and the verifier of a circuit set's dev keys (INSECURE), idempotently. */
export async function deployDevSettlement(p: DeployDevSettlementParameters): Promise<EnsureSettlementReturnType & { circuit: string }> {
  const { spec, keys } = await ensureCircuitKeys({ circuitSet: p.circuitSet, buildDir: p.buildDir, log: p.log })
  // The challenge circuit of the same set: its verifier lets validators cancel a settlement that left out a better record.
  const challenge = await ensureCircuitKeys({ circuitSet: p.circuitSet, statement: 'challenge', buildDir: p.buildDir, log: p.log })
  return withChainSession(p, async (chain) => ({
    ...(await ensureSettlement({
      chain, circuits: [{ circuitName: spec.name, zkeyPath: keys.zkeyPath }], game: p.game,
      challenges: [{ circuitName: challenge.spec.name, zkeyPath: challenge.keys.zkeyPath, forCircuit: spec.name }],
    })),
    circuit: spec.name,
  }))
}
