export { PACKAGE_ROOT } from './packageRoot.ts'
