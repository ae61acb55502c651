export * from './poseidon.ts'
