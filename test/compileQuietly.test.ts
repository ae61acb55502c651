import { describe, expect, it, vi } from 'vitest'
import { compileQuietly } from '../prover/chain/hardhatRuntime.ts'

// `poa --json` prints one JSON document on stdout; Hardhat's compile task logs "Compiled N Solidity
// files successfully" with console.log even when quiet, which broke JSON.parse of the demo's output
// on a first run (a new verifier to compile).
describe('compileQuietly', () => {
  it('sends what the compile task logs to stderr, not stdout, and restores console.log', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const hre = { run: async (task: string, args: { quiet: boolean }) => console.log(`Compiled 1 Solidity file successfully (${task}, quiet ${args.quiet})`) }
      await compileQuietly(hre as any)
      expect(log).not.toHaveBeenCalled()
      expect(error).toHaveBeenCalledWith('Compiled 1 Solidity file successfully (compile, quiet true)')
      expect(console.log).toBe(log)
    } finally {
      log.mockRestore()
      error.mockRestore()
    }
  })
})
