export * from './merkleTree.ts'
export * from './nativeHasher.ts'
export * from './quaternaryTree.ts'
export * from './fieldBytes.ts'
