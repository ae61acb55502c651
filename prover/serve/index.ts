// `poa serve`: the ModelFactory dashboard (JSON API + page) over the workflow layer.
export * from './serveErrors.ts'
export * from './bindHost.ts'
export * from './jobRegistry.ts'
export * from './baseModels.ts'
export * from './serverChain.ts'
export * from './dashboardContext.ts'
export * from './buildDashboard.ts'
export * from './startDashboard.ts'
