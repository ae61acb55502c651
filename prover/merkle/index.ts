export * from './merkleTree.ts'
