// `--circuit auto`: the model's k and its datanet's depth name the one circuit set that proves them.
import { describe, expect, it } from 'vitest'
import { CIRCUIT_SETS, CIRCUIT_SET_NAMES, NoCircuitSetError, circuitSetFor } from '../prover/proof/circuitParams.ts'
import { CircuitSetUnresolvedError, circuitSetOfServedModels } from '../prover/app/resolveCircuitSet.ts'

describe('circuit set of a model', () => {
  it('maps each set back from its own k and depth, and no two sets share one', () => {
    for (const name of CIRCUIT_SET_NAMES) {
      const { featureCount, treeDepth } = CIRCUIT_SETS[name]
      expect(circuitSetFor({ featureCount, treeDepth })).toBe(name)
    }
    expect(new Set(CIRCUIT_SET_NAMES.map((n) => `${CIRCUIT_SETS[n].featureCount}/${CIRCUIT_SETS[n].treeDepth}`)).size).toBe(CIRCUIT_SET_NAMES.length)
    expect(circuitSetFor({ featureCount: 128, treeDepth: 8 })).toBe('demo')
  })

  it('names the model, its shape and every set when none fits', () => {
    const error = (() => { try { circuitSetFor({ featureCount: 64, treeDepth: 8, what: 'model "clf"' }) } catch (e) { return e } })() as NoCircuitSetError
    expect(error).toBeInstanceOf(NoCircuitSetError)
    expect(error.code).toBe('NO_CIRCUIT_SET')
    expect(error.message).toMatch(/model "clf" has k = 64 features over a depth-8 datanet/)
    expect(error.message).toMatch(/tiny \(k = 8, depth 8\), demo \(k = 128, depth 8\), full \(k = 128, depth 14\), production \(k = 128, depth 20\)/)
  })

  it('gives a node one set for models of one k, and refuses models of two', () => {
    expect(circuitSetOfServedModels({ models: [{ name: 'a', k: 128 }, { name: 'b', k: 128 }], treeDepth: 14, datanet: 'mail' })).toBe('full')
    expect(() => circuitSetOfServedModels({ models: [{ name: 'a', k: 8 }, { name: 'b', k: 128 }], treeDepth: 8, datanet: 'mail' }))
      .toThrow(CircuitSetUnresolvedError)
    expect(() => circuitSetOfServedModels({ models: [{ name: 'a', k: 8 }, { name: 'b', k: 128 }], treeDepth: 8, datanet: 'mail' }))
      .toThrow(/models a \(k = 8\), b \(k = 128\): a node proves with one circuit/)
    expect(() => circuitSetOfServedModels({ models: [{ name: 'a', k: 8 }], treeDepth: 20, datanet: 'mail' })).toThrow(/model a over datanet "mail" has k = 8 features over a depth-20 datanet/)
  })
})
