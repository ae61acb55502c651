export * from './compileNoir.ts'
export * from './noirParams.ts'
export * from './noirInput.ts'
export * from './errors.ts'
