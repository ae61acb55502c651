import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DatanetInfo, DatanetStore, DatanetVersion } from '../datanet/index.ts'
import { homeLayout } from '../layout/index.ts'

/**
 * The folder of the local model whose hash is `modelHash` (an on-chain model's), or undefined. Only
 * manifests are read until one matches: a host or prover finds the model it serves by content, not
 * by a name another home chose.
 */
export function findLocalModelDir(home: string, modelHash: bigint): string | undefined {
  const dir = homeLayout(home).modelsDir
  if (!existsSync(dir)) return undefined
  for (const name of readdirSync(dir).sort()) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, name, 'model.json'), 'utf8')) as { modelHash?: string }
      if (manifest.modelHash !== undefined && BigInt(manifest.modelHash) === modelHash) return join(dir, name)
    } catch {
      /* not a model folder */
    }
  }
  return undefined
}

/** The local datanet whose `version` has `root` (the copy of an on-chain datanet version this home holds), or undefined. */
export function findLocalDatanetVersion(store: DatanetStore, version: number, root: bigint): { datanet: DatanetInfo; version: DatanetVersion } | undefined {
  for (const datanet of store.listDatanets()) {
    const found = store.listVersions(datanet.id).find((v) => v.version === version && v.root === root)
    if (found) return { datanet, version: found }
  }
  return undefined
}
