// A host or prover finds the model it serves by content: the hash, and the registered features' k and seed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findLocalModelDir } from '../prover/app/localModels.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-local-models-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

function model(name: string, manifest: object): void {
  mkdirSync(join(home, 'models', name), { recursive: true })
  writeFileSync(join(home, 'models', name, 'model.json'), JSON.stringify(manifest))
}

describe('findLocalModelDir', () => {
  it('tells apart models of one classifier whose attribution features differ', () => {
    // Same records, same classifier (same hash); `--k 128` and `--k 8` give different query features.
    model('a-k128', { modelHash: '77', projection: { k: 128, seed: 1 } })
    model('b-k8', { modelHash: '77', projection: { k: 8, seed: 1 } })
    model('c-k8-seed2', { modelHash: '77', projection: { k: 8, seed: 2 } })
    mkdirSync(join(home, 'models', 'not-a-model'))
    expect(findLocalModelDir(home, 77n)).toBe(join(home, 'models', 'a-k128'))
    expect(findLocalModelDir(home, 77n, { k: 8, projectionSeed: 1n })).toBe(join(home, 'models', 'b-k8'))
    expect(findLocalModelDir(home, 77n, { k: 8, projectionSeed: 2n })).toBe(join(home, 'models', 'c-k8-seed2'))
    expect(findLocalModelDir(home, 77n, { k: 64, projectionSeed: 1n })).toBeUndefined()
    expect(findLocalModelDir(home, 78n)).toBeUndefined()
  })
})
