import { defineConfig } from 'vitest/config'

// Proof and chain tests do real work (snarkjs, Hardhat, onnxruntime) on 2 cores: generous timeouts,
// and forks so that each file's workers and WebAssembly instances die with it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles dist/ when it is older than the sources: spawned CLIs then skip tsx's transpiling.
    globalSetup: ['test/buildDist.globalSetup.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    maxWorkers: 2,
    // The JSON report feeds .ci/run's closing summary line.
    reporters: ['default', 'json'],
    outputFile: { json: 'build/test-results.json' },
  },
})
