export * from './featureHash.ts'
export * from './buildAttributionIndex.ts'
export * from './indexStore.ts'
