export * from './workerFile.ts'
export * from './workerPool.ts'
