import { createHash } from 'node:crypto'
import onnxProto from 'onnx-proto'
import type { SoftmaxWeights } from './trainSoftmax.ts'
import type { VectorizerConfig } from './vectorize.ts'

/**
 * Building ONNX graphs in TS with onnx-proto (ONNX IR 8, opset 13; no Python exists here).
 * The default model is `input [N, d] -> Gemm(W [C, d], b [C], transB=1) -> logits -> Softmax -> probs`.
 */
export const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx }
export const OPSET = 13
export const IR_VERSION = 8

export type TensorSpec = { name: string; dims: number[]; float?: Float32Array; int64?: bigint[] }

/** An initializer tensor (float32 as raw little-endian bytes, int64 as int64_data). */
export function tensor({ name, dims, float, int64 }: TensorSpec) {
  if (float) {
    return onnx.TensorProto.create({
      name, dims, dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(float.buffer.slice(float.byteOffset, float.byteOffset + float.byteLength)),
    })
  }
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: (int64 ?? []).map((v) => Number(v)) })
}

/** A graph input/output description; a string dim is symbolic (the batch). */
export function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  })
}

export function intAttr(name: string, i: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i })
}

export function stringAttr(name: string, s: string) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) })
}

/** Metadata keys the default model carries (inside the hashed bytes). */
export const META_VECTORIZER = 'poa.vectorizer'
export const META_LABELS = 'poa.labels'

export type BuildClassifierOnnxParameters = {
  weights: SoftmaxWeights
  vectorizer: VectorizerConfig
  labels: readonly string[]
}

/** The default classifier as ONNX bytes (deterministic: same weights and config, same bytes). */
export function buildClassifierOnnx({ weights, vectorizer, labels }: BuildClassifierOnnxParameters): Uint8Array {
  const { classes: C, dim: d } = weights
  const graph = onnx.GraphProto.create({
    name: 'poa-linear-softmax',
    input: [valueInfo('input', onnx.TensorProto.DataType.FLOAT, ['N', d])],
    output: [valueInfo('probs', onnx.TensorProto.DataType.FLOAT, ['N', C])],
    initializer: [
      tensor({ name: 'head.W', dims: [C, d], float: Float32Array.from(weights.W) }),
      tensor({ name: 'head.b', dims: [C], float: Float32Array.from(weights.b) }),
    ],
    node: [
      onnx.NodeProto.create({ name: 'head', opType: 'Gemm', input: ['input', 'head.W', 'head.b'], output: ['logits'], attribute: [intAttr('transB', 1)] }),
      onnx.NodeProto.create({ name: 'softmax', opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [intAttr('axis', -1)] }),
    ],
  })
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'poa',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
    metadataProps: [
      { key: META_VECTORIZER, value: JSON.stringify(vectorizer) },
      { key: META_LABELS, value: JSON.stringify(labels) },
    ],
  })
  return onnx.ModelProto.encode(model).finish()
}

/**
 * Model hash: sha256 over the exact ONNX file bytes, as a 0x-hex digest, and its field form
 * `uint256(sha256) >> 8` (248 bits, always < r), which is what goes on-chain and into proofs.
 */
export function modelHash(bytes: Uint8Array): { sha256: string; field: bigint } {
  const hex = createHash('sha256').update(bytes).digest('hex')
  return { sha256: `0x${hex}`, field: BigInt(`0x${hex}`) >> 8n }
}
