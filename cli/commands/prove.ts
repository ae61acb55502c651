import type { Command } from 'commander'

/** Registers: prove, verify <proof-package>. */
export function registerProveCommands(program: Command): void {
  void program
}
