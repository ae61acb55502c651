/**
 * `import ... from 'poa'`: the leaf modules every other concern builds on (errors, BN254 field,
 * Poseidon, Merkle trees). Each concern has its own entry point (`poa/datanet`, `poa/proof`,
 * `poa/chain`, ...; package.json `exports`), so importing one does not load the others.
 */
export * from './errors/index.ts'
export * from './field/index.ts'
export * from './hash/index.ts'
export * from './merkle/index.ts'
