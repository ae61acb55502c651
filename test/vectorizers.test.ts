// Issue 15 items 1, 3 and 6 at the library level: the n-gram vectorisers (golden terms and hashes,
// so a change of tokenisation is caught), the vectoriser bound by the model hash, the attributed
// class carried in the query commitment, and the bad inputs refused naming their record.
import { describe, expect, it, beforeAll } from 'vitest'
import {
  DEFAULT_VECTORIZER, EmptyVectorError, LabelError, ModelVectorizerError, QueryClassError, SingleClassError, VectorizerConfigError,
  bindVectorizer, buildClassifierOnnx, modelHash, ngramTerms, parseVectorizerSpec, queryForCommitment, queryInputHash, queryModel,
  termHash, trainModel, vectorize, vectorizerId, vectorizerSpec, type TrainModelReturnType,
} from '../prover/influence/index.ts'

const CHAR = parseVectorizerSpec('char:1-3@64')

describe('n-gram vectorisers', () => {
  it('normalises (NFKC), lower-cases, splits words on non-letters and pads char n-grams with one space', () => {
    // Full-width letters fold to ASCII under NFKC; punctuation and dashes separate words.
    expect(ngramTerms('Ｆａｔ Cat!', 'char', 1, 3)).toEqual([
      ' ', 'f', 'a', 't', ' ', ' f', 'fa', 'at', 't ', ' fa', 'fat', 'at ',
      ' ', 'c', 'a', 't', ' ', ' c', 'ca', 'at', 't ', ' ca', 'cat', 'at ',
    ])
    expect(ngramTerms('Ｆａｔ Cat, naïve—café', 'word', 1, 2)).toEqual(['fat', 'cat', 'naïve', 'café', 'fat cat', 'cat naïve', 'naïve café'])
    expect(ngramTerms('...  !!', 'char', 1, 3)).toEqual([])
  })

  it('hashes terms as documented (golden values: FNV-1a over UTF-8, fmix32, seed 0x9e3779b9)', () => {
    const golden: [string, number][] = [['a', 0x1156bd31], [' ca', 0x83b7de29], ['fat cat', 0x2f68d5c5], ['naïve', 0x2ee7ac5b], ['café', 0x846e7cc6]]
    for (const [term, h] of golden) expect(termHash(term, CHAR), term).toBe(h)
    // hashing-v1 hashes UTF-16 code units: same on ASCII, different beyond it (kept for existing models).
    expect(termHash('fat cat', DEFAULT_VECTORIZER)).toBe(0x2f68d5c5)
    expect(termHash('café', DEFAULT_VECTORIZER)).toBe(0xbf97d15a)
    const v = vectorize('Fat cat', CHAR)
    expect(v.terms).toBe(24)
    expect(Array.from(v.indices)).toEqual([2, 9, 17, 20, 24, 34, 41, 44, 47, 55, 62])
    expect(Array.from(v.values).map((x) => x.toFixed(6))).toEqual(
      ['0.202380', '-0.404759', '0.202380', '0.202380', '0.404759', '0.202380', '0.202380', '-0.320764', '0.320764', '-0.469911', '0.202380'])
  })

  it('parses and writes spec strings, and refuses a bad one naming what is wrong', () => {
    expect(parseVectorizerSpec('char:1-3')).toEqual({ kind: 'ngram-v1', unit: 'char', minN: 1, maxN: 3, dim: 1024 })
    expect(vectorizerSpec(parseVectorizerSpec('word:2@4096'))).toBe('word:2@4096')
    expect(parseVectorizerSpec('hashing-v1')).toEqual(DEFAULT_VECTORIZER)
    expect(vectorizerSpec(DEFAULT_VECTORIZER)).toBe('hashing-v1')
    expect(vectorizerId(CHAR)).toBe('{"dim":64,"kind":"ngram-v1","maxN":3,"minN":1,"unit":"char"}')
    expect(() => parseVectorizerSpec('char:3-1')).toThrow(/maxN = 1: expected an integer in \[minN = 3, 8\]/)
    expect(() => parseVectorizerSpec('char:1-3@1000')).toThrow(/dim = 1000: expected a power of two/)
    expect(() => parseVectorizerSpec('chars:1')).toThrow(VectorizerConfigError)
  })
})

// Three classes of short texts; every class has a few distinct character patterns.
const RECORDS = [
  ...['rain', 'drizzle', 'storm', 'thunder', 'hail', 'sleet', 'rainfall', 'stormy'].map((content) => ({ content, label: 'weather' })),
  ...['apple', 'pear', 'plum', 'grape', 'apricot', 'peach', 'grapefruit', 'plums'].map((content) => ({ content, label: 'fruit' })),
  ...['oak', 'pine', 'birch', 'maple', 'cedar', 'willow', 'oaks', 'pines'].map((content) => ({ content, label: 'tree' })),
]

describe('models, labels and the attributed class', () => {
  let model: TrainModelReturnType
  beforeAll(async () => {
    model = await trainModel({ name: 'three', records: RECORDS, vectorizer: CHAR, projection: { kind: 'trak', k: 8, seed: 1 } })
  })

  it('takes its classes from the data, sorted, and records the vectoriser in the hashed model bytes', async () => {
    expect(model.manifest.labels).toEqual(['fruit', 'tree', 'weather'])
    expect(model.manifest).toMatchObject({ vectorizerSpec: 'char:1-3@64', inputDim: 64, classes: 3 })
    expect(model.contract.metadata['poa.vectorizer']).toBe(JSON.stringify(CHAR))
    // Same weights, another vectoriser: another model hash.
    const weights = { classes: 2, dim: 64, W: new Float64Array(128).fill(0.5), b: Float64Array.from([0, 1]) }
    const word = buildClassifierOnnx({ weights, vectorizer: parseVectorizerSpec('word:1@64'), labels: ['a', 'b'] })
    const char = buildClassifierOnnx({ weights, vectorizer: CHAR, labels: ['a', 'b'] })
    expect(modelHash(word).field).not.toBe(modelHash(char).field)
    // A registered file that records its vectoriser cannot be declared with another.
    expect(() => bindVectorizer({ bytes: model.modelBytes, contract: model.contract, file: 'm.onnx', declared: parseVectorizerSpec('word:1@64') }))
      .toThrow(ModelVectorizerError)
  })

  it('carries the attributed class in the query commitment, and finds it back from the commitment', async () => {
    const predicted = await queryModel({ model, text: 'drizzly', featureFracBits: 10 })
    expect(predicted.target.predicted).toBe(true)
    const other = (predicted.prediction.class + 1) % 3
    const chosen = await queryModel({ model, text: 'drizzly', featureFracBits: 10, target: model.manifest.labels[other] })
    expect(chosen.target).toEqual({ class: other, label: model.manifest.labels[other], predicted: false })
    expect(chosen.inputHash).toBe(queryInputHash({ vectorizer: CHAR, classIndex: other, input: 'drizzly' }))
    expect(chosen.queryCommitment).not.toBe(predicted.queryCommitment)
    const found = await queryForCommitment({ model, text: 'drizzly', featureFracBits: 10, commitment: chosen.queryCommitment })
    expect(found.matched && found.query.target.class).toBe(other)
    const wrong = await queryForCommitment({ model, text: 'drizzly', featureFracBits: 10, commitment: chosen.queryCommitment, target: predicted.prediction.class })
    expect(wrong.matched).toBe(false)
    await expect(queryModel({ model, text: 'drizzly', featureFracBits: 10, target: 'vegetable' })).rejects.toThrow(QueryClassError)
  })

  it('refuses an unknown label, one-class data and a text with no term, naming the record', async () => {
    const name = (i: number) => `data.jsonl:${i + 1}`
    await expect(trainModel({ name: 'x', records: RECORDS, labels: ['fruit', 'weather'], recordName: name })).rejects.toThrow(
      /data\.jsonl:17: label "tree" is not one of the classes \(classes: fruit, weather\)/)
    await expect(trainModel({ name: 'x', records: RECORDS, labels: ['fruit', 'weather'] })).rejects.toThrow(LabelError)
    await expect(trainModel({ name: 'x', records: RECORDS.slice(0, 8), source: 'datanet "w" v1' })).rejects.toThrow(
      /datanet "w" v1: 8 records carry only the class "weather": a classifier needs records of at least 2 classes/)
    await expect(trainModel({ name: 'x', records: RECORDS.slice(0, 8), labels: ['weather', 'fruit'] })).rejects.toThrow(SingleClassError)
    const withEmpty = [...RECORDS.slice(0, 9), { content: '— … !', label: 'fruit' }]
    await expect(trainModel({ name: 'x', records: withEmpty, vectorizer: CHAR, recordName: name })).rejects.toThrow(
      /data\.jsonl:10: the text has no char:1-3@64 term/)
    await expect(trainModel({ name: 'x', records: withEmpty, vectorizer: CHAR })).rejects.toThrow(EmptyVectorError)
    await expect(queryModel({ model, text: '?!', featureFracBits: 10 })).rejects.toThrow(/query text: the text has no char:1-3@64 term/)
  })
})
