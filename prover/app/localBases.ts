import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BASE_FILE, decodeBaseModel, type BaseModel } from '../adapters/index.ts'
import { vectorizerSpec } from '../influence/index.ts'

/**
 * The OpenLoRA bases this home holds (`<home>/bases/<name>/base.poa`), described for a front end:
 * what an adapter trained on one inherits (vectoriser, hidden width) and what identifies it (the
 * file's sha256, every adapter model hash binds it) and what it costs (its bytes, held once by a host).
 */
export type LocalBase = {
  name: string
  file: string
  sha256: string
  bytes: number
  inputDim: number
  hiddenDim: number
  /** The base's own classes (its head only trains W0; each adapter has its own classes). */
  labels: string[]
  vectorizerSpec: string
  training?: BaseModel['training']
}

/** Every readable base of `home`, by name; a folder without a base file is skipped, a corrupt file throws AdapterFileError naming it. */
export async function listLocalBases(home: string): Promise<LocalBase[]> {
  const dir = join(home, 'bases')
  if (!existsSync(dir)) return []
  const bases: LocalBase[] = []
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, BASE_FILE)
    if (!existsSync(file)) continue
    const bytes = new Uint8Array(await readFile(file))
    const b = decodeBaseModel(bytes, file)
    bases.push({ name, file, sha256: b.sha256, bytes: bytes.length, inputDim: b.inputDim, hiddenDim: b.hiddenDim, labels: b.labels, vectorizerSpec: vectorizerSpec(b.vectorizer), training: b.training })
  }
  return bases
}
