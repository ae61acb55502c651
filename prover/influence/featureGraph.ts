import { onnx, tensor, valueInfo, intAttr, stringAttr } from './onnxModel.ts'
import { checkModelContract } from './modelContract.ts'
import type { Projection } from './projection.ts'
import { ProjectionParameterError } from './projection.ts'

/**
 * The features ONNX file: the model's own graph plus nodes that compute projected head gradients
 * without materialising them:
 *   e        = probs - OneHot(label, C)                         [N, C]
 *   features = Einsum('nc,nh,chk->nk', e, hidden, P_w) + e @ P_b  [N, k]
 * where P_w = P[:, :h, :] and P_b = P[:, h, :] (the bias column). Extra input: `label` int64 [N];
 * outputs: the model's probs, `features` [N, k], and `poa.hidden` (the head's input, for whitening).
 * Its sha256 (`featuresHash`) commits the projection, since P is an initializer.
 */
export const FEATURES_OUTPUT = 'features'
export const HIDDEN_OUTPUT = 'poa.hidden'
export const LABEL_INPUT = 'label'

export function buildFeatureOnnx(modelBytes: Uint8Array, projection: Projection, source = 'model.onnx'): Uint8Array {
  const contract = checkModelContract(modelBytes, source)
  const { classes: C, hiddenDim: h } = contract
  const { k } = projection
  if (projection.classes !== C || projection.hiddenDim !== h) {
    throw new ProjectionParameterError({ field: 'shape', value: `[${projection.classes}, ${projection.hiddenDim}+1, k]`, expected: `[${C}, ${h}+1, k] to match the model head` })
  }
  const Pw = new Float32Array(C * h * k)
  const Pb = new Float32Array(C * k)
  for (let c = 0; c < C; c++) {
    Pw.set(projection.matrix.subarray(c * (h + 1) * k, (c * (h + 1) + h) * k), c * h * k)
    Pb.set(projection.matrix.subarray((c * (h + 1) + h) * k, (c + 1) * (h + 1) * k), c * k)
  }
  const model = onnx.ModelProto.decode(modelBytes)
  const graph = model.graph as any // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded: repeated fields exist
  const F = onnx.TensorProto.DataType.FLOAT
  graph.input.push(valueInfo(LABEL_INPUT, onnx.TensorProto.DataType.INT64, ['N']))
  graph.initializer.push(
    tensor({ name: 'poa.depth', dims: [1], int64: [BigInt(C)] }),
    tensor({ name: 'poa.onehotValues', dims: [2], float: Float32Array.from([0, 1]) }),
    tensor({ name: 'poa.P_w', dims: [C, h, k], float: Pw }),
    tensor({ name: 'poa.P_b', dims: [C, k], float: Pb }),
  )
  graph.node.push(
    onnx.NodeProto.create({ name: 'poa.onehot', opType: 'OneHot', input: [LABEL_INPUT, 'poa.depth', 'poa.onehotValues'], output: ['poa.y'], attribute: [intAttr('axis', -1)] }),
    onnx.NodeProto.create({ name: 'poa.error', opType: 'Sub', input: [contract.probsName, 'poa.y'], output: ['poa.e'] }),
    onnx.NodeProto.create({ name: 'poa.gradW', opType: 'Einsum', input: ['poa.e', contract.hiddenName, 'poa.P_w'], output: ['poa.gw'], attribute: [stringAttr('equation', 'nc,nh,chk->nk')] }),
    onnx.NodeProto.create({ name: 'poa.gradB', opType: 'MatMul', input: ['poa.e', 'poa.P_b'], output: ['poa.gb'] }),
    onnx.NodeProto.create({ name: 'poa.features', opType: 'Add', input: ['poa.gw', 'poa.gb'], output: [FEATURES_OUTPUT] }),
    onnx.NodeProto.create({ name: 'poa.hiddenOut', opType: 'Identity', input: [contract.hiddenName], output: [HIDDEN_OUTPUT] }),
  )
  graph.output.push(valueInfo(FEATURES_OUTPUT, F, ['N', k]), valueInfo(HIDDEN_OUTPUT, F, ['N', h]))
  return onnx.ModelProto.encode(model).finish()
}
