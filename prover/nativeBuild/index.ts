export * from './compileNative.ts'
