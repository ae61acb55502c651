import { onnx, tensor, valueInfo, intAttr, stringAttr, OPSET, IR_VERSION, META_LABELS, META_VECTORIZER, FEATURES_OUTPUT, HIDDEN_OUTPUT, LABEL_INPUT } from '../influence/index.ts'
import type { BaseModel } from './baseModel.ts'
import type { Adapter } from './adapterFile.ts'

/**
 * ONNX graphs of base + adapter (opset 13, built in TS with onnx-proto):
 *   s = input A; pre = input W0 + s B + b0; hidden = Relu(pre); logits = Gemm(hidden, head.W, head.b, transB=1); probs = Softmax(logits)
 * W = W0 + A B is never formed: input A is N x r, so the update costs r (d + h) per row.
 * - the host graph: W0, b0 initializers (in memory once), A, B, head.W, head.b graph inputs;
 * - the adapter model (model.onnx of an adapter model folder): all initializers, one input, which
 *   satisfies the model contract (a Gemm head feeding Softmax), so index, query and audit take it;
 * - the adapter features graph: the adapter model plus projected per-record gradients with respect
 *   to A, B and the head (adapterMath.ts), same inputs and outputs as every features.onnx.
 */
export const META_ADAPTER = 'poa.adapter'
const F = onnx.TensorProto.DataType.FLOAT

function node(name: string, opType: string, input: string[], output: string[], attribute: unknown[] = []) {
  return onnx.NodeProto.create({ name, opType, input, output, attribute: attribute as never[] })
}

function forwardNodes() {
  return [
    node('lora.s', 'MatMul', ['input', 'A'], ['lora.s']),
    node('lora.sB', 'MatMul', ['lora.s', 'B'], ['lora.sB']),
    node('base.z', 'MatMul', ['input', 'W0'], ['base.z']),
    node('lora.z', 'Add', ['base.z', 'lora.sB'], ['lora.z']),
    node('lora.pre', 'Add', ['lora.z', 'b0'], ['lora.pre']),
    node('relu', 'Relu', ['lora.pre'], ['hidden']),
    node('head', 'Gemm', ['hidden', 'head.W', 'head.b'], ['logits'], [intAttr('transB', 1)]),
    node('softmax', 'Softmax', ['logits'], ['probs'], [intAttr('axis', -1)]),
  ]
}

function encode(graph: ReturnType<typeof onnx.GraphProto.create>, metadata: { key: string; value: string }[]): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: IR_VERSION, producerName: 'poa', producerVersion: '0.1.0', opsetImport: [{ domain: '', version: OPSET }], graph, metadataProps: metadata,
  })).finish()
}

/** The host's one graph: the base's weights inside, an adapter's tensors as inputs (any rank, any classes). */
export function buildHostOnnx(base: BaseModel): Uint8Array {
  const { inputDim: d, hiddenDim: h } = base
  const graph = onnx.GraphProto.create({
    name: 'poa-lora-host',
    input: [
      valueInfo('input', F, ['N', d]), valueInfo('A', F, [d, 'r']), valueInfo('B', F, ['r', h]),
      valueInfo('head.W', F, ['C', h]), valueInfo('head.b', F, ['C']),
    ],
    output: [valueInfo('probs', F, ['N', 'C'])],
    initializer: [tensor({ name: 'W0', dims: [d, h], float: base.W0 }), tensor({ name: 'b0', dims: [h], float: base.b0 })],
    node: forwardNodes(),
  })
  return encode(graph, [{ key: META_VECTORIZER, value: JSON.stringify(base.vectorizer) }])
}

function adapterGraph(base: BaseModel, a: Adapter, name: string) {
  const { inputDim: d, hiddenDim: h } = base
  const C = a.labels.length
  return onnx.GraphProto.create({
    name,
    input: [valueInfo('input', F, ['N', d])],
    output: [valueInfo('probs', F, ['N', C])],
    initializer: [
      tensor({ name: 'W0', dims: [d, h], float: base.W0 }), tensor({ name: 'b0', dims: [h], float: base.b0 }),
      tensor({ name: 'A', dims: [d, a.rank], float: a.A }), tensor({ name: 'B', dims: [a.rank, h], float: a.B }),
      tensor({ name: 'head.W', dims: [C, h], float: a.headW }), tensor({ name: 'head.b', dims: [C], float: a.headB }),
    ],
    node: forwardNodes(),
  })
}

const adapterMetadata = (base: BaseModel, a: Adapter, ids: { baseSha256: string; adapterSha256: string }) => [
  { key: META_VECTORIZER, value: JSON.stringify(base.vectorizer) },
  { key: META_LABELS, value: JSON.stringify(a.labels) },
  { key: META_ADAPTER, value: JSON.stringify({ baseSha256: ids.baseSha256, adapterSha256: ids.adapterSha256, rank: a.rank }) },
]

/** One adapter as a self-contained ONNX classifier (what a separately loaded model is). */
export function buildAdapterModelOnnx(base: BaseModel, a: Adapter, ids: { baseSha256: string; adapterSha256: string }): Uint8Array {
  return encode(adapterGraph(base, a, 'poa-lora-adapter'), adapterMetadata(base, a, ids))
}

/** The projection of the adapter gradient, split per block: [d, r, k], [r, h, k], [C, h, k], [C, k]. */
export type AdapterProjectionBlocks = { k: number; PA: Float32Array; PB: Float32Array; PW: Float32Array; Pb: Float32Array }

/**
 * The adapter's features.onnx: probs as in the model, and
 *   e = probs - OneHot(label); delta = (e head.W) * [pre > 0]; u = delta B^T
 *   features = Einsum(nd,nr,drk->nk: input, u, P_A) + Einsum(nr,nh,rhk->nk: s, delta, P_B)
 *            + Einsum(nc,nh,chk->nk: e, hidden, P_W) + e P_b
 * i.e. M g with g the per-record gradient with respect to A, B, head.W and head.b, never formed
 * (the head blocks are zero when the projection covers A and B only, the default).
 */
export function buildAdapterFeatureOnnx(base: BaseModel, a: Adapter, ids: { baseSha256: string; adapterSha256: string }, P: AdapterProjectionBlocks): Uint8Array {
  const { inputDim: d, hiddenDim: h } = base
  const C = a.labels.length
  const { k } = P
  const graph = adapterGraph(base, a, 'poa-lora-adapter-features') as any // eslint-disable-line @typescript-eslint/no-explicit-any -- created: repeated fields exist
  graph.input.push(valueInfo(LABEL_INPUT, onnx.TensorProto.DataType.INT64, ['N']))
  graph.initializer.push(
    tensor({ name: 'poa.depth', dims: [1], int64: [BigInt(C)] }),
    tensor({ name: 'poa.onehotValues', dims: [2], float: Float32Array.from([0, 1]) }),
    tensor({ name: 'poa.zero', dims: [], float: Float32Array.from([0]) }),
    tensor({ name: 'poa.P_A', dims: [d, a.rank, k], float: P.PA }),
    tensor({ name: 'poa.P_B', dims: [a.rank, h, k], float: P.PB }),
    tensor({ name: 'poa.P_W', dims: [C, h, k], float: P.PW }),
    tensor({ name: 'poa.P_b', dims: [C, k], float: P.Pb }),
  )
  const einsum = (name: string, eq: string, input: string[], out: string) => node(name, 'Einsum', input, [out], [stringAttr('equation', eq)])
  graph.node.push(
    node('poa.onehot', 'OneHot', [LABEL_INPUT, 'poa.depth', 'poa.onehotValues'], ['poa.y'], [intAttr('axis', -1)]),
    node('poa.error', 'Sub', ['probs', 'poa.y'], ['poa.e']),
    node('poa.da', 'MatMul', ['poa.e', 'head.W'], ['poa.da']),
    node('poa.active', 'Greater', ['lora.pre', 'poa.zero'], ['poa.activeBool']),
    node('poa.activeF', 'Cast', ['poa.activeBool'], ['poa.activeF'], [intAttr('to', F)]),
    node('poa.delta', 'Mul', ['poa.da', 'poa.activeF'], ['poa.delta']),
    einsum('poa.u', 'nh,rh->nr', ['poa.delta', 'B'], 'poa.u'),
    einsum('poa.fA', 'nd,nr,drk->nk', ['input', 'poa.u', 'poa.P_A'], 'poa.fA'),
    einsum('poa.fB', 'nr,nh,rhk->nk', ['lora.s', 'poa.delta', 'poa.P_B'], 'poa.fB'),
    einsum('poa.fW', 'nc,nh,chk->nk', ['poa.e', 'hidden', 'poa.P_W'], 'poa.fW'),
    node('poa.fb', 'MatMul', ['poa.e', 'poa.P_b'], ['poa.fb']),
    node('poa.f1', 'Add', ['poa.fA', 'poa.fB'], ['poa.f1']),
    node('poa.f2', 'Add', ['poa.f1', 'poa.fW'], ['poa.f2']),
    node('poa.features', 'Add', ['poa.f2', 'poa.fb'], [FEATURES_OUTPUT]),
    node('poa.hiddenOut', 'Identity', ['hidden'], [HIDDEN_OUTPUT]),
  )
  graph.output.push(valueInfo(FEATURES_OUTPUT, F, ['N', k]), valueInfo(HIDDEN_OUTPUT, F, ['N', h]))
  return encode(graph, adapterMetadata(base, a, ids))
}
