import type { Command } from 'commander'
import { registerDatanetCommands } from './datanet.ts'
import { registerDatanetCommitCommands } from './datanetCommit.ts'
import { registerChainCommands } from './chain.ts'
import { registerModelCommands } from './model.ts'
import { registerProveCommands } from './prove.ts'
import { registerSettleCommands } from './settle.ts'
import { registerCeremonyCommands } from './ceremony.ts'
import { registerDemoCommands } from './demo.ts'
import { registerGovCommands } from './gov.ts'
import { registerAuditCommands } from './audit.ts'
import { registerNodeCommands } from './node.ts'

/** Each command group lives in its own file and adds itself to the program here. */
export function registerCommands(program: Command): void {
  registerDatanetCommands(program)
  registerDatanetCommitCommands(program)
  registerChainCommands(program)
  registerModelCommands(program)
  registerProveCommands(program)
  registerSettleCommands(program)
  registerCeremonyCommands(program)
  registerDemoCommands(program)
  registerGovCommands(program)
  registerAuditCommands(program)
  registerNodeCommands(program)
}
