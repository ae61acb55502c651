export * from './errors.ts'
export * from './csv.ts'
export * from './record.ts'
export * from './readRecords.ts'
