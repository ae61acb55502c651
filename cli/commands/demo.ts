import type { Command } from 'commander'

/** Registers: demo (the one-command end-to-end run). */
export function registerDemoCommands(program: Command): void {
  void program
}
