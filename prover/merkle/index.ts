export * from './merkleTree.ts'
export * from './nativeHasher.ts'
