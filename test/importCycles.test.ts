import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PACKAGE_ROOT as REPO_ROOT } from '../prover/layout/index.ts'
import { describeCycle, findCycle, folderGraph, importSpecifiers } from './importGraph.ts'

// docs/architecture.md: data flows one way, so the folders (prover/ counted per subfolder) must
// form an acyclic graph. A cycle names each edge and the import that makes it.
const FOLDERS = ['prover', 'cli', 'ceremony', 'bench', 'native']

function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'poa-imports-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

describe('folder import graph', () => {
  it('has no cycle between top-level folders or prover/ subfolders', () => {
    const graph = folderGraph(REPO_ROOT, FOLDERS)
    expect(graph.size).toBeGreaterThan(10)
    expect(graph.get('cli')?.has('prover/errors')).toBe(true)
    const cycle = findCycle(graph)
    expect(cycle && `import cycle ${cycle.join(' -> ')}:\n${describeCycle(graph, cycle)}`).toBeUndefined()
  })

  it('catches a cycle made of a static, a re-export and a dynamic import, and names its edges', () => {
    const root = writeTree({
      'prover/alpha/a.ts': `import { b } from '../beta/b.ts'\nexport const a = b`,
      'prover/beta/b.ts': `export { c as b } from '../gamma/c.ts'`,
      'prover/gamma/c.ts': `export const c = 1\nexport const load = () => import('../alpha/a.ts')`,
      'cli/main.ts': `import { a } from '../prover/alpha/a.ts'`,
    })
    const graph = folderGraph(root, ['prover', 'cli'])
    const cycle = findCycle(graph)
    expect(cycle).toEqual(['prover/alpha', 'prover/beta', 'prover/gamma', 'prover/alpha'])
    expect(describeCycle(graph, cycle!)).toContain("prover/gamma -> prover/alpha (prover/gamma/c.ts -> ../alpha/a.ts)")
  })

  it('finds no cycle where imports only go one way, and ignores imports in comments and package imports', () => {
    const root = writeTree({
      'prover/low/x.ts': `// import { y } from '../high/y.ts'\n/* export * from '../high/y.ts' */\nimport { Piscina } from 'piscina'\nexport const x = 1`,
      'prover/high/y.ts': `import type { X } from '../low/x.ts'\nimport {\n  x,\n} from '../low/x.ts'\nexport const y = x`,
      'cli/bin.js': `await import('../prover/high/y.ts')`,
    })
    const graph = folderGraph(root, ['prover', 'cli'])
    expect(findCycle(graph)).toBeUndefined()
    expect([...graph.get('prover/high')!.keys()]).toEqual(['prover/low'])
    expect([...graph.get('prover/low')!.keys()]).toEqual([])
    expect([...graph.get('cli')!.keys()]).toEqual(['prover/high'])
  })

  it('reads every kind of import statement', () => {
    const text = [
      `import a from './a.ts'`,
      `import type { B } from "./b.ts"`,
      `export * from './c.ts'`,
      `import './d.ts'`,
      `const e = await import('./e.ts')`,
      `import { f } from 'node:fs'`,
    ].join('\n')
    expect(importSpecifiers(text).sort()).toEqual(['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts'])
  })
})
