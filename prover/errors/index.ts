export * from './poaError.ts'
export * from './inputErrors.ts'
