export * from './poseidon.ts'
export * from './poseidonConstants.ts'
