import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/**
 * The folder import graph the layering rule speaks of: one node per top-level folder, except
 * prover/, which counts as one node per subfolder (prover/proof, prover/chain, ...). Edges come
 * from relative imports (static, `export ... from`, side-effect and dynamic `import('...')`, type
 * imports included: a type import back up the layers is the same coupling). Package imports are
 * not folders of this repository and are left out.
 */
export type FolderGraph = Map<string, Map<string, string>>

/** Relative specifiers imported by one source text (comments ignored). */
export function importSpecifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
  const found: string[] = []
  const patterns = [
    /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1])
  return found.filter((s) => s.startsWith('.'))
}

/** The graph node a file (path relative to the root, `/`-separated) belongs to. */
export function folderOf(file: string): string {
  const parts = file.split('/')
  if (parts[0] === 'prover' && parts.length > 2) return `prover/${parts[1]}`
  return parts[0]
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'fixtures') out.push(...sourceFiles(path))
    } else if (/\.(ts|js|mjs|cjs)$/.test(entry.name)) out.push(path)
  }
  return out
}

/**
 * Build the folder graph of `folders` under `root`. Each edge keeps one example import
 * (`file -> specifier`) so a failure says where to look.
 */
export function folderGraph(root: string, folders: readonly string[]): FolderGraph {
  const graph: FolderGraph = new Map()
  for (const folder of folders) {
    for (const path of sourceFiles(join(root, folder))) {
      const file = relative(root, path).split(sep).join('/')
      const from = folderOf(file)
      if (!graph.has(from)) graph.set(from, new Map())
      for (const specifier of importSpecifiers(readFileSync(path, 'utf8'))) {
        const target = relative(root, resolve(dirname(path), specifier)).split(sep).join('/')
        if (target.startsWith('..')) continue
        const to = folderOf(target)
        if (to !== from && !graph.get(from)!.has(to)) graph.get(from)!.set(to, `${file} -> ${specifier}`)
      }
    }
  }
  return graph
}

/**
 * One cycle of the graph as a node path that starts and ends on the same node (`[a, b, a]`), or
 * undefined when the graph has none. Depth-first search with the usual three colours: an edge to a
 * node still on the stack closes a cycle.
 */
export function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next]
      if (!state.has(next)) {
        const cycle = visit(next)
        if (cycle) return cycle
      }
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) {
      const cycle = visit(node)
      if (cycle) return cycle
    }
  }
  return undefined
}

/** A cycle written out with the import that makes each of its edges. */
export function describeCycle(graph: FolderGraph, cycle: readonly string[]): string {
  return cycle.slice(1).map((to, i) => `${cycle[i]} -> ${to} (${graph.get(cycle[i])?.get(to)})`).join('\n')
}
