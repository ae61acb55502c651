import { onnx, valueInfo, intAttr, IR_VERSION, OPSET } from './onnxModel.ts'

/**
 * The scoring ONNX graph of one index, for onnxruntime (CPU or CUDA execution provider). The index's
 * int16 features are an initializer, so they are uploaded once when the session is created and a
 * query sends only its Q x k values. Every score is exact: features are cast to float64 and a score
 * is a sum of k products of int16 values, so every partial sum is an integer below k 2^30 = 2^37
 * (k = 128) and float64 holds it exactly, whatever order the GEMM sums in (k <= 2^22 keeps it below
 * 2^53). Inputs:
 *   queries    float64 [Q, k]   (integers within ±FEATURE_BOUND)
 *   topK       int64 [1]        (at most count)
 *   sampleStep int64 [1]        (the distribution sample takes positions 0, s, 2s, ...)
 * Outputs, per query (row j):
 *   topValues [Q, K], topIndices [Q, K]   TopK of the scores; its tie order is not relied on
 *   tiePositions [2, M]                   NonZero(scores == K-th value): (query, position) pairs in
 *                                         position order, so ties at the boundary are resolved exactly
 *                                         (lowest position first) on the host, whatever the EP's TopK did
 *   min, max, positive [Q]                over every score
 *   positiveHi, positiveLo [Q]            sum of max(s, 0) split as floor(s / 2^20) 2^20 and the rest:
 *                                         every partial sum of either part is exact in float64 (the high
 *                                         parts are multiples of 2^20 below 2^57), the host adds them as bigints
 *   sample [Q, ceil(count / s)]           the scores at the sample positions
 * The plain sum of the scores is not computed here: it is <column sums, query>, exact on the host.
 */
export const SCORING_INPUTS = { queries: 'queries', topK: 'topK', sampleStep: 'sampleStep' } as const
export const SCORING_OUTPUTS = ['topValues', 'topIndices', 'tiePositions', 'min', 'max', 'positive', 'positiveHi', 'positiveLo', 'sample'] as const

/** Bytes of one protobuf message (onnxruntime and protobufjs refuse 2 GiB and more); margin for the graph. */
export const SCORING_GRAPH_MAX_FEATURE_BYTES = 2 ** 31 - 2 ** 20

const D = onnx.TensorProto.DataType

function doubles(name: string, values: number[], dims: number[] = [values.length]) {
  const data = Float64Array.from(values)
  return onnx.TensorProto.create({ name, dims, dataType: D.DOUBLE, rawData: new Uint8Array(data.buffer) })
}

function int64s(name: string, values: number[]) {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: D.INT64, int64Data: values })
}

/** The scoring graph for row-major [count, k] int16 features (count >= 1); bytes to open a session with. */
export function buildScoringOnnx({ features, k }: { features: Int16Array; k: number }): Uint8Array {
  const count = features.length / k
  // The initializer's bytes are little-endian int16, as the features file and every x86/ARM host hold them.
  const raw = new Uint8Array(features.buffer, features.byteOffset, features.byteLength)
  const node = (opType: string, input: string[], output: string[], attribute: ReturnType<typeof intAttr>[] = []) =>
    onnx.NodeProto.create({ name: `poa.${output[0]}`, opType, input, output, attribute })
  // ReduceMin/ReduceMax (opset 13) take `axes` as an ints attribute; ReduceSum takes it as an input.
  const axis1 = onnx.AttributeProto.create({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] })
  const graph = onnx.GraphProto.create({
    name: 'poa-scoring',
    input: [
      valueInfo(SCORING_INPUTS.queries, D.DOUBLE, ['Q', k]),
      valueInfo(SCORING_INPUTS.topK, D.INT64, [1]),
      valueInfo(SCORING_INPUTS.sampleStep, D.INT64, [1]),
    ],
    output: [
      valueInfo('topValues', D.DOUBLE, ['Q', 'K']),
      valueInfo('topIndices', D.INT64, ['Q', 'K']),
      valueInfo('tiePositions', D.INT64, [2, 'M']),
      valueInfo('min', D.DOUBLE, ['Q']),
      valueInfo('max', D.DOUBLE, ['Q']),
      valueInfo('positive', D.DOUBLE, ['Q']),
      valueInfo('positiveHi', D.DOUBLE, ['Q']),
      valueInfo('positiveLo', D.DOUBLE, ['Q']),
      valueInfo('sample', D.DOUBLE, ['Q', 'S']),
    ],
    initializer: [
      onnx.TensorProto.create({ name: 'features16', dims: [count, k], dataType: D.INT16, rawData: raw }),
      doubles('zero', [0], []),
      doubles('twoPow20', [2 ** 20], []),
      doubles('twoPowMinus20', [2 ** -20], []),
      int64s('axis1', [1]),
      int64s('sliceStart', [0]),
      int64s('sliceEnd', [Number.MAX_SAFE_INTEGER]),
    ],
    node: [
      // Cast of an initializer: constant-folded when the session is created (the float64 copy is resident).
      node('Cast', ['features16'], ['features'], [intAttr('to', D.DOUBLE)]),
      node('Gemm', [SCORING_INPUTS.queries, 'features'], ['scores'], [intAttr('transB', 1)]),
      node('TopK', ['scores', SCORING_INPUTS.topK], ['topValues', 'topIndices'], [intAttr('axis', 1), intAttr('largest', 1), intAttr('sorted', 1)]),
      node('ReduceMin', ['topValues'], ['threshold'], [axis1, intAttr('keepdims', 1)]),
      node('Equal', ['scores', 'threshold'], ['atThreshold']),
      node('NonZero', ['atThreshold'], ['tiePositions']),
      node('ReduceMin', ['scores'], ['min'], [axis1, intAttr('keepdims', 0)]),
      node('ReduceMax', ['scores'], ['max'], [axis1, intAttr('keepdims', 0)]),
      node('Greater', ['scores', 'zero'], ['isPositive']),
      node('Cast', ['isPositive'], ['positiveOne'], [intAttr('to', D.DOUBLE)]),
      node('ReduceSum', ['positiveOne', 'axis1'], ['positive'], [intAttr('keepdims', 0)]),
      node('Relu', ['scores'], ['positiveScores']),
      node('Mul', ['positiveScores', 'twoPowMinus20'], ['positiveShifted']),
      node('Floor', ['positiveShifted'], ['positiveHigh20']),
      node('Mul', ['positiveHigh20', 'twoPow20'], ['positiveHigh']),
      node('Sub', ['positiveScores', 'positiveHigh'], ['positiveLow']),
      node('ReduceSum', ['positiveHigh', 'axis1'], ['positiveHi'], [intAttr('keepdims', 0)]),
      node('ReduceSum', ['positiveLow', 'axis1'], ['positiveLo'], [intAttr('keepdims', 0)]),
      node('Slice', ['scores', 'sliceStart', 'sliceEnd', 'axis1', SCORING_INPUTS.sampleStep], ['sample']),
    ],
  })
  const model = onnx.ModelProto.create({ irVersion: IR_VERSION, producerName: 'poa', producerVersion: '0.1.0', opsetImport: [{ domain: '', version: OPSET }], graph })
  return onnx.ModelProto.encode(model).finish()
}
