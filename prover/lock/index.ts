export * from './ownedLock.ts'
