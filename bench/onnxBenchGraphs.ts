import { intAttr, IR_VERSION, onnx, OPSET, valueInfo } from '../prover/influence/onnxModel.ts'

/**
 * Two bench-only graphs over the same resident features as the scoring graph (int16 initializer
 * constant-folded to float64), to set onnxruntime scoring against what the same execution provider
 * can do with those bytes:
 * - `read`: ReduceSum of every resident float64 value into k sums, its axes a graph input so that
 *   it is not constant-folded: the EP's streaming read of the bytes a query's GEMM reads, its limit;
 * - `scores`: the Q x count float64 scores only, copied to the host, where the bench selects the
 *   top-K in JavaScript (the "CPU selection" alternative to the scoring graph's TopK node).
 */
const D = onnx.TensorProto.DataType

export function buildBenchOnnx(kind: 'read' | 'scores', features: Int16Array, k: number): Uint8Array {
  const count = features.length / k
  const raw = new Uint8Array(features.buffer, features.byteOffset, features.byteLength)
  const init = [onnx.TensorProto.create({ name: 'features16', dims: [count, k], dataType: D.INT16, rawData: raw })]
  const cast = onnx.NodeProto.create({ name: 'cast', opType: 'Cast', input: ['features16'], output: ['features'], attribute: [intAttr('to', D.DOUBLE)] })
  const graph =
    kind === 'read'
      ? onnx.GraphProto.create({
          name: 'poa-bench-read',
          input: [valueInfo('axes', D.INT64, [1])],
          output: [valueInfo('sums', D.DOUBLE, [k])],
          initializer: init,
          node: [cast, onnx.NodeProto.create({ name: 'sum', opType: 'ReduceSum', input: ['features', 'axes'], output: ['sums'], attribute: [intAttr('keepdims', 0)] })],
        })
      : onnx.GraphProto.create({
          name: 'poa-bench-scores',
          input: [valueInfo('queries', D.DOUBLE, ['Q', k])],
          output: [valueInfo('scores', D.DOUBLE, ['Q', count])],
          initializer: init,
          node: [cast, onnx.NodeProto.create({ name: 'gemm', opType: 'Gemm', input: ['queries', 'features'], output: ['scores'], attribute: [intAttr('transB', 1)] })],
        })
  const model = onnx.ModelProto.create({ irVersion: IR_VERSION, producerName: 'poa-bench', producerVersion: '0.1.0', opsetImport: [{ domain: '', version: OPSET }], graph })
  return onnx.ModelProto.encode(model).finish()
}
