// Types of cli/build.js (plain JavaScript, so it runs before anything is compiled).
/** The package root. */
export declare const ROOT: string
/** Folders compiled into dist/. */
export declare const SOURCE_DIRS: readonly string[]
/** dist/.built, written after a successful build, dated from the build's start. */
export declare const STAMP: string
/** Whether dist/ was built from the sources as they are now. */
export declare function distIsFresh(root?: string): boolean
/** tsc's exit status when it reported type errors but still wrote every output (dist/ is then fresh). */
export declare const EMITTED_WITH_ERRORS: number
/** Compile the sources into dist/ with tsc; returns tsc's exit status. */
export declare function build(options?: { quiet?: boolean }): number
