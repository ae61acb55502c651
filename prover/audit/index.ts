export * from './auditSettlement.ts'
export * from './auditChecks.ts'
export * from './auditInference.ts'
export * from './checkAdapterModel.ts'
