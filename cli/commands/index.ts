import type { Command } from 'commander'
import { registerDatanetCommands } from './datanet.ts'
import { registerChainCommands } from './chain.ts'
import { registerModelCommands } from './model.ts'
import { registerProveCommands } from './prove.ts'
import { registerSettlementCommands } from './settlement.ts'
import { registerInferenceCommands } from './inference.ts'
import { registerSettleCommands } from './settle.ts'
import { registerRewardsCommands } from './rewards.ts'
import { registerCeremonyCommands } from './ceremony.ts'
import { registerDemoCommands } from './demo.ts'
import { registerGovCommands } from './gov.ts'
import { registerAuditCommands } from './audit.ts'
import { registerNodeCommands } from './node.ts'
import { registerTokenCommands } from './token.ts'
import { registerChallengeCommands } from './challenge.ts'
import { registerServeCommands } from './serve.ts'

/**
 * One file per command group (or top-level command), each adding itself to the program here.
 * Command files import only commander, cli/ and light modules (types, error classes, constants);
 * everything heavy is loaded by `await import()` inside the action that needs it.
 */
export function registerCommands(program: Command): void {
  registerDatanetCommands(program)
  registerChainCommands(program)
  registerModelCommands(program)
  registerProveCommands(program)
  registerSettlementCommands(program)
  registerInferenceCommands(program)
  registerSettleCommands(program)
  registerRewardsCommands(program)
  registerCeremonyCommands(program)
  registerDemoCommands(program)
  registerGovCommands(program)
  registerAuditCommands(program)
  registerNodeCommands(program)
  registerTokenCommands(program)
  registerChallengeCommands(program)
  registerServeCommands(program)
}
