export * from './compileCircuit.ts'
