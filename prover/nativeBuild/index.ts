export * from './compileNative.ts'
export * from './runNativeProcess.ts'
