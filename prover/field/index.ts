export * from './field.ts'
export * from './fixedPoint.ts'
