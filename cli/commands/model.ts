import type { Command } from 'commander'

/** Registers: model train|register-local|index|query|attribute. */
export function registerModelCommands(program: Command): void {
  void program
}
