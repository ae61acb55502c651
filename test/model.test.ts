import { describe, it, expect } from 'vitest'
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { loadSpamAssassin, senderOf, spamAssassinContributor, DatasetLimitError } from '../prover/dataset/spamAssassin.ts'
import {
  onnx, tensor, valueInfo, intAttr, buildClassifierOnnx, checkModelContract, OnnxContractError, modelHash,
  trainModel, registerLocalModel, saveModel, loadModel, modelDir, ModelIntegrityError, ModelNameError,
  DEFAULT_VECTORIZER, createSession, computeFeatures, trainSoftmax, TrainingDataError, vectorize,
} from '../prover/influence/index.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'

const F = onnx.TensorProto.DataType.FLOAT

/** A small ONNX graph from nodes and initializers, for contract tests. */
function graphBytes({ inputDims = ['N', 4], inputType = F, nodes, init, output = 'probs', outputDims = ['N', 2] }: {
  inputDims?: (number | string)[]; inputType?: number; nodes: any[]; init: any[]; output?: string; outputDims?: (number | string)[]
}): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: 'g', input: [valueInfo('x', inputType, inputDims)], output: [valueInfo(output, F, outputDims)], initializer: init,
      node: nodes.map((n) => onnx.NodeProto.create(n)),
    }),
  })).finish()
}
const W = tensor({ name: 'W', dims: [2, 4], float: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) })
const b = tensor({ name: 'b', dims: [2], float: Float32Array.from([0.5, -0.5]) })
const gemm = { opType: 'Gemm', input: ['x', 'W', 'b'], output: ['logits'], attribute: [intAttr('transB', 1)] }
const softmax = { opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [intAttr('axis', -1)] }

describe('spam-assassin datanet', () => {
  it('loads a balanced, deterministic subset with one contributor per sender', () => {
    const a = loadSpamAssassin({ limit: 50, seed: 3 })
    const b2 = loadSpamAssassin({ limit: 50, seed: 3 })
    expect(a.map((r) => r.metadata.id)).toEqual(b2.map((r) => r.metadata.id))
    expect(a.filter((r) => r.label === 'spam')).toHaveLength(25)
    expect(loadSpamAssassin({ limit: 50, seed: 4 }).map((r) => r.metadata.id)).not.toEqual(a.map((r) => r.metadata.id))
    for (const r of a) expect(r.contributor).toBe(spamAssassinContributor(r.metadata.sender))
    expect(senderOf('From: "Bob" <Bob@Example.COM>\nSubject: x')).toBe('bob@example.com')
    expect(senderOf('Subject: none')).toBe('unknown')
  })

  it('rejects a limit outside [2, 6046]', () => {
    expect(() => loadSpamAssassin({ limit: 1 })).toThrow(DatasetLimitError)
    expect(() => loadSpamAssassin({ limit: 7000 })).toThrow(/limit 7000 is not an integer in \[2, 6046\]/)
  })
})

describe('model contract', () => {
  it('accepts a Gemm head feeding Softmax and reads its weights', () => {
    const c = checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W, b] }))
    expect(c).toMatchObject({ inputName: 'x', inputDim: 4, classes: 2, hiddenName: 'x', hiddenDim: 4, probsName: 'probs' })
    expect(Array.from(c.headW)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('rejects a model whose output is not produced by Softmax', () => {
    const bytes = graphBytes({ nodes: [gemm], init: [W, b], output: 'logits' })
    expect(() => checkModelContract(bytes, 'nohead.onnx')).toThrow(OnnxContractError)
    expect(() => checkModelContract(bytes, 'nohead.onnx')).toThrow(/nohead.onnx: head: expected output "logits" produced by Softmax, got Gemm/)
  })

  it('rejects a Softmax not fed by a Gemm head', () => {
    const bytes = graphBytes({ nodes: [{ opType: 'Relu', input: ['x'], output: ['logits'] }, softmax], init: [] , inputDims: ['N', 2] })
    expect(() => checkModelContract(bytes)).toThrow(/Softmax input produced by a Gemm head, got Relu/)
  })

  it('rejects an input of the wrong rank, type or width', () => {
    expect(() => checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W, b], inputDims: ['N', 4, 1] }))).toThrow(/input shape: expected rank 2 \[N, d\], got rank 3/)
    expect(() => checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W, b], inputDims: ['N', 'd'] }))).toThrow(/fixed feature width/)
    expect(() => checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W, b], inputType: onnx.TensorProto.DataType.INT64 }))).toThrow(/float32 input/)
    expect(() => checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W, b], inputDims: ['N', 5] }))).toThrow(/head width 5 \(the input width\), got 4/)
  })

  it('rejects a one-class head and bytes that are not ONNX', () => {
    const W1 = tensor({ name: 'W', dims: [1, 4], float: Float32Array.from([1, 2, 3, 4]) })
    const b1 = tensor({ name: 'b', dims: [1], float: Float32Array.from([0]) })
    expect(() => checkModelContract(graphBytes({ nodes: [gemm, softmax], init: [W1, b1] }))).toThrow(/C >= 2, got 1/)
    expect(() => checkModelContract(new Uint8Array([0xff, 0xff, 0xff, 0x01]), 'junk.onnx')).toThrow(/junk.onnx: file: expected an ONNX ModelProto/)
  })

  it('registers a one-hidden-layer model and computes its head-gradient features through onnxruntime', async () => {
    // x [N,4] -> Gemm(3x4) -> Relu -> h [N,3] -> Gemm head (2x3, transB=0 layout [3,2]) -> Softmax.
    const W1 = tensor({ name: 'W1', dims: [3, 4], float: Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]) })
    const b1 = tensor({ name: 'b1', dims: [3], float: Float32Array.from([0, 0, 0]) })
    const W2 = tensor({ name: 'W2', dims: [3, 2], float: Float32Array.from([1, -1, 2, -2, 0.5, 0.25]) })
    const bytes = graphBytes({
      nodes: [
        { opType: 'Gemm', input: ['x', 'W1', 'b1'], output: ['z'], attribute: [intAttr('transB', 1)] },
        { opType: 'Relu', input: ['z'], output: ['h'] },
        { opType: 'Gemm', input: ['h', 'W2'], output: ['logits'] },
        softmax,
      ],
      init: [W1, b1, W2],
    })
    const home = await mkdtemp(join(tmpdir(), 'poa-model-'))
    try {
      const file = join(home, 'mlp.onnx')
      await writeFile(file, bytes)
      const reg = await registerLocalModel({ name: 'mlp', file, projection: { k: 4 } })
      expect(reg.manifest).toMatchObject({ source: 'registered', classes: 2, inputDim: 4, hiddenDim: 3, labels: ['class0', 'class1'] })
      expect(reg.manifest.vectorizer.dim).toBe(4)
      expect(Array.from(reg.contract.headW)).toEqual([1, 2, 0.5, -1, -2, 0.25])
      const { session } = await createSession({ bytes: reg.featureBytes, provider: 'cpu' })
      try {
        const row = { indices: Int32Array.from([0, 1, 2, 3]), values: Float32Array.from([1, 2, 3, 4]) }
        const out = await computeFeatures({ session, inputName: 'x', probsName: 'probs', inputDim: 4, k: 4, classes: 2, rows: [row], labels: [1], withHidden: true, hiddenDim: 3 })
        expect(Array.from(out.hidden!)).toEqual([1, 2, 7])
        // e = p - onehot(1); feature = sum_c sum_j e_c [h,1]_j P[c,j,:]: check one entry by hand.
        const z = [1 * 1 + 2 * 2 + 7 * 0.5, -1 - 4 + 7 * 0.25]
        const p1 = 1 / (1 + Math.exp(z[0] - z[1]))
        expect(out.probs[1]).toBeCloseTo(p1, 5)
      } finally {
        await session.release()
      }
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  })
})

describe('default model', () => {
  it('trains deterministically, hashes its ONNX bytes into the field and round-trips through disk', async () => {
    const records = loadSpamAssassin({ limit: 120, seed: 2 })
    const a = await trainModel({ name: 'spam', records, projection: { kind: 'trak', k: 16 } })
    expect(a.manifest.training!.trainAccuracy).toBeGreaterThan(0.9)
    const h = modelHash(a.modelBytes)
    expect(BigInt(h.sha256) >> 8n).toBe(h.field)
    expect(h.field < FIELD_MODULUS).toBe(true)
    expect(a.manifest.modelHash).toBe(h.field.toString())
    // Every forward pass goes through onnxruntime: the file runs as-is.
    const s = await ort.InferenceSession.create(a.modelBytes)
    const x = new Float32Array(1024)
    const r = vectorize(records[0].content)
    r.indices.forEach((j, t) => (x[j] = r.values[t]))
    const out = await s.run({ input: new ort.Tensor('float32', x, [1, 1024]) })
    expect((out.probs.data as Float32Array).reduce((p, q) => p + q, 0)).toBeCloseTo(1, 5)
    await s.release()
    const home = await mkdtemp(join(tmpdir(), 'poa-model-'))
    try {
      const dir = modelDir(home, 'spam')
      await saveModel({ dir, ...a })
      const loaded = await loadModel(dir)
      expect(loaded.manifest).toEqual(a.manifest)
      const reg = await registerLocalModel({ name: 'again', file: join(dir, 'model.onnx'), projection: { k: 16 } })
      expect(reg.manifest.vectorizer).toEqual(DEFAULT_VECTORIZER)
      expect(reg.manifest.labels).toEqual(['ham', 'spam'])
      expect(reg.manifest.modelSha256).toBe(a.manifest.modelSha256)
      const bytes = await readFile(join(dir, 'features.onnx'))
      bytes[bytes.length - 1] ^= 1
      await writeFile(join(dir, 'features.onnx'), bytes)
      await expect(loadModel(dir)).rejects.toThrow(ModelIntegrityError)
    } finally {
      await rm(home, { recursive: true, force: true })
    }
    expect(() => modelDir(home, '../x')).toThrow(ModelNameError)
  })

  it('rejects training labels outside the classes and a zero regulariser', async () => {
    await expect(trainModel({ name: 'x', labels: ['ham', 'spam'], records: [{ content: 'a', label: 'eggs' }] })).rejects.toThrow(/record 0: label "eggs" is not one of the classes \(classes: ham, spam\)/)
    const rows = [vectorize('a b c')]
    await expect(trainSoftmax({ rows, labels: [2], classes: 2, dim: 1024 })).rejects.toThrow(/labels\[0\] = 2: expected a class index in \[0, 1\]/)
    await expect(trainSoftmax({ rows, labels: [0], classes: 2, dim: 1024, l2: 0 })).rejects.toThrow(TrainingDataError)
  })

  it("reports each epoch's training loss and accuracy, the last one the returned weights'", async () => {
    const mails = loadSpamAssassin({ limit: 40 })
    const rows = mails.map((m) => vectorize(m.content))
    const labels = mails.map((m) => (m.label === 'spam' ? 1 : 0))
    const epochs: { epoch: number; loss: number; accuracy: number }[] = []
    const w = await trainSoftmax({ rows, labels, classes: 2, dim: 1024, onEpoch: (e) => epochs.push(e) })
    expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: w.iterations }, (_, i) => i + 1))
    expect(epochs.length).toBeGreaterThan(1)
    for (const e of epochs) expect(e.accuracy >= 0 && e.accuracy <= 1 && e.loss > 0).toBe(true)
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss)
    // The objective adds (l2/2)|theta|^2 to the cross-entropy an epoch reports.
    expect(epochs.at(-1)!.loss).toBeLessThan(w.loss)
    const correct = rows.filter((r, n) => {
      const z = [0, 1].map((c) => w.b[c] + r.indices.reduce((s, j, t) => s + w.W[c * 1024 + j] * r.values[t], 0))
      return (z[1] > z[0] ? 1 : 0) === labels[n]
    }).length
    expect(epochs.at(-1)!.accuracy).toBe(correct / rows.length)
  })

  it('builds the same classifier bytes from the same weights', () => {
    const weights = { classes: 2, dim: 3, W: Float64Array.from([1, 2, 3, 4, 5, 6]), b: Float64Array.from([0, 1]) }
    const one = buildClassifierOnnx({ weights, vectorizer: { ...DEFAULT_VECTORIZER, dim: 3 }, labels: ['a', 'b'] })
    const two = buildClassifierOnnx({ weights, vectorizer: { ...DEFAULT_VECTORIZER, dim: 3 }, labels: ['a', 'b'] })
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true)
  })
})
