// `--vectoriser auto` (prover/influence/chooseVectorizer.ts): on texts whose class is carried by word
// endings, with stems that rarely repeat, whole-word vectorisers cannot generalise and character
// n-grams can; the choice must fall on a character spec, with every candidate's held-out accuracy.
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../prover/dataset/mulberry32.ts'
import { AUTO_VECTORIZER_CANDIDATES, AutoVectorizerError, chooseVectorizer, trainModel, vectorizerChoiceText } from '../prover/influence/index.ts'

const SUFFIXES: Record<string, string> = { noun: 'ation', adverb: 'ingly', verb: 'ise' }

/** Three words per text: a random 5-letter stem plus its class's suffix. */
function suffixTexts(perClass: number, seed: number): { content: string; label: string }[] {
  const random = mulberry32(seed)
  const stem = () => Array.from({ length: 5 }, () => 'bcdfghklmnprstvz'[Math.floor(random() * 16)]).join('')
  return Object.entries(SUFFIXES).flatMap(([label, suffix]) =>
    Array.from({ length: perClass }, () => ({ content: [stem() + suffix, stem() + suffix, stem() + suffix].join(' '), label })))
}

describe('vectoriser auto', () => {
  it('picks a character n-gram spec where word endings carry the class, listing each candidate', async () => {
    const records = suffixTexts(20, 4)
    const labels = ['adverb', 'noun', 'verb']
    const chosen = await chooseVectorizer({ texts: records.map((r) => r.content), labels: records.map((r) => labels.indexOf(r.label)), classes: 3, classNames: labels, folds: 4 })
    expect(chosen.candidates.map((c) => c.spec)).toEqual(['hashing-v1', 'word:1-2@1024', 'char:2-4@1024', 'char:3-5@1024'])
    const accuracy = Object.fromEntries(chosen.candidates.map((c) => [c.spec, 'accuracy' in c ? c.accuracy : NaN]))
    expect(accuracy['hashing-v1']).toBeLessThan(0.6)
    expect(chosen.heldOut.accuracy).toBeGreaterThan(0.9)
    expect(chosen.vectorizer).toMatchObject({ kind: 'ngram-v1', unit: 'char' })
    expect(chosen.heldOut.accuracy).toBe(Math.max(...Object.values(accuracy)))
    expect(vectorizerChoiceText(chosen.candidates)).toMatch(/^hashing-v1 \d+\.\d%, word:1-2@1024 \d+\.\d%, char:2-4@1024 \d+\.\d%, char:3-5@1024 \d+\.\d%$/)

    const trained = await trainModel({ name: 'auto', records, vectorizer: 'auto', folds: 4, projection: { kind: 'trak', k: 4 } })
    expect(trained.manifest.vectorizer).toEqual(chosen.vectorizer)
    expect(trained.manifest.training).toMatchObject({ heldOut: chosen.heldOut, vectorizerChoice: chosen.candidates })
    expect(AUTO_VECTORIZER_CANDIDATES[0]).toBe('hashing-v1')
  })

  it('refuses auto without cross-validation, and when a class has a single record', async () => {
    const records = suffixTexts(4, 5)
    await expect(trainModel({ name: 'x', records, vectorizer: 'auto', folds: 0 })).rejects.toThrow(/vectoriser auto cannot choose: it compares held-out accuracies, and folds = 0/)
    await expect(trainModel({ name: 'x', records: records.slice(0, 9), vectorizer: 'auto' })).rejects.toThrow(AutoVectorizerError)
  })
})
