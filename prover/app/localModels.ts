import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DatanetInfo, DatanetStore, DatanetVersion } from '../datanet/index.ts'
import { homeLayout } from '../layout/index.ts'

/** What the registry says of a model beyond its hash: the attribution features its index was built with. */
export type RegisteredFeatures = { k: number; projectionSeed: bigint }

/**
 * The folder of the local model whose hash is `modelHash` (an on-chain model's), or undefined. Only
 * manifests are read until one matches: a host or prover finds the model it serves by content, not
 * by a name another home chose. Models trained from the same records share the classifier (and so
 * the hash) while their attribution features differ (`--k`, `--projection-seed`): with `registered`
 * only a model of the registered k and seed matches, since another would commit another query.
 */
export function findLocalModelDir(home: string, modelHash: bigint, registered?: RegisteredFeatures): string | undefined {
  const dir = homeLayout(home).modelsDir
  if (!existsSync(dir)) return undefined
  for (const name of readdirSync(dir).sort()) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, name, 'model.json'), 'utf8')) as { modelHash?: string; projection?: { k?: number; seed?: number } }
      if (manifest.modelHash === undefined || BigInt(manifest.modelHash) !== modelHash) continue
      if (registered && (manifest.projection?.k !== registered.k || BigInt(manifest.projection?.seed ?? -1) !== registered.projectionSeed)) continue
      return join(dir, name)
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
