import type { Command } from 'commander'

/** Registers: ceremony phase1/phase2 steps. */
export function registerCeremonyCommands(program: Command): void {
  void program
}
