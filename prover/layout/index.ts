export { PACKAGE_ROOT, packagePath } from './packageRoot.ts'
export { buildLayout, defaultBuildDir, type BuildLayout } from './buildLayout.ts'
export { homeLayout, type HomeLayout } from './homeLayout.ts'
