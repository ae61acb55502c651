import { PoaError } from '../errors/index.ts'
import { onnx, OPSET } from './onnxModel.ts'

/**
 * The contract any ONNX classifier must satisfy to be registered and attributed (the default
 * model satisfies it by construction):
 * 1. default-domain opset >= 13;
 * 2. exactly one graph input that is not an initializer: float32, rank 2, shape [N, d] with the
 *    batch N symbolic (or any) and d a fixed positive integer;
 * 3. the first graph output is produced by a `Softmax` node over the last axis (axis absent, -1 or 1);
 * 4. that Softmax's input is produced by a `Gemm` node (the head) with alpha = beta = 1, transA = 0,
 *    B an initializer float32 [C, h] (transB = 1) or [h, C] (transB = 0), C >= 2, and bias an
 *    initializer float32 [C] (or absent, read as 0);
 * 5. the head's first input is the penultimate activation tensor `h` of width h (it may be the
 *    graph input itself, as in the default linear model, or the output of any backbone).
 * Attribution uses the head gradient (p - onehot(y)) outer [h, 1]; the feature graph appends its
 * nodes to the model's own graph, so the backbone is never re-implemented outside ONNX.
 */
export type ModelContract = {
  inputName: string
  inputDim: number
  probsName: string
  /** Name of the penultimate activation tensor fed to the head. */
  hiddenName: string
  hiddenDim: number
  classes: number
  /** Head weights as W [C, h] row-major and bias [C], float32 as stored. */
  headW: Float32Array
  headB: Float32Array
  metadata: Record<string, string>
}

export class OnnxContractError extends PoaError {
  constructor({ source, rule, expected, got }: { source: string; rule: string; expected: string; got: string }) {
    super('ONNX_CONTRACT', 'BAD_INPUT', `${source}: ${rule}: expected ${expected}, got ${got}`, { meta: { source, rule, expected, got } })
  }
}

// protobufjs types every field as optional; decoded messages carry defaults, so we read them loosely.
type Tensor = any // eslint-disable-line @typescript-eslint/no-explicit-any
type Node = any // eslint-disable-line @typescript-eslint/no-explicit-any

function tensorFloats(t: Tensor): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) return new Float32Array(0)
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData)
    return new Float32Array(copy.buffer, 0, copy.length / 4)
  }
  return Float32Array.from(t.floatData)
}

function attr(node: Node, name: string): number | undefined {
  const a = node.attribute.find((x: Node) => x.name === name)
  if (!a) return undefined
  if (a.type === onnx.AttributeProto.AttributeType.FLOAT) return a.f
  return Number(a.i)
}

/** Decode ONNX bytes and check the contract; `source` names the file in every error. */
export function checkModelContract(bytes: Uint8Array, source = 'model.onnx'): ModelContract {
  let model: any // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    throw new OnnxContractError({ source, rule: 'file', expected: 'an ONNX ModelProto', got: `undecodable bytes (${(cause as Error).message})` })
  }
  const fail = (rule: string, expected: string, got: string): never => {
    throw new OnnxContractError({ source, rule, expected, got })
  }
  const graph = model.graph ?? fail('graph', 'a graph', 'none')
  const opset = model.opsetImport.find((o: Node) => !o.domain || o.domain === 'ai.onnx')
  if (!opset || Number(opset.version) < OPSET) fail('opset', `default-domain opset >= ${OPSET}`, opset ? String(opset.version) : 'none')
  const initializers = new Map<string, Tensor>(graph.initializer.map((t: Tensor) => [t.name, t]))
  const inputs = graph.input.filter((i: Node) => !initializers.has(i.name))
  if (inputs.length !== 1) fail('input', 'exactly one graph input', `${inputs.length} (${inputs.map((i: Node) => i.name).join(', ')})`)
  const input = inputs[0]
  const tt = input.type?.tensorType
  if (tt?.elemType !== onnx.TensorProto.DataType.FLOAT) fail('input type', 'float32 input', `elem_type ${tt?.elemType}`)
  const dims = tt?.shape?.dim ?? []
  if (dims.length !== 2) fail('input shape', 'rank 2 [N, d]', `rank ${dims.length}`)
  const inputDim = Number(dims[1].dimValue ?? 0)
  if (!(inputDim > 0) || dims[1].dimParam) fail('input shape', 'a fixed feature width d > 0 in dim 1', dims[1].dimParam || String(inputDim))
  if (graph.output.length === 0) fail('output', 'at least one graph output', 'none')
  const probsName = graph.output[0].name
  const producer = (name: string) => graph.node.find((n: Node) => n.output.includes(name)) as Node | undefined
  const softmax = producer(probsName)
  if (!softmax || softmax.opType !== 'Softmax') fail('head', `output "${probsName}" produced by Softmax`, softmax ? softmax.opType : 'no producing node')
  const axis = attr(softmax!, 'axis')
  if (axis !== undefined && axis !== -1 && axis !== 1) fail('softmax axis', '-1 or 1 (over classes)', String(axis))
  const gemm = producer(softmax!.input[0])
  if (!gemm || gemm.opType !== 'Gemm') fail('head', 'Softmax input produced by a Gemm head', gemm ? gemm.opType : 'no producing node')
  for (const [name, want] of [['alpha', 1], ['beta', 1], ['transA', 0]] as const) {
    const v = attr(gemm!, name)
    if (v !== undefined && v !== want) fail(`head ${name}`, String(want), String(v))
  }
  const transB = attr(gemm!, 'transB') ?? 0
  const B = initializers.get(gemm!.input[1])
  if (!B || B.dataType !== onnx.TensorProto.DataType.FLOAT || B.dims.length !== 2) {
    fail('head weight', 'Gemm input B as a float32 rank-2 initializer', B ? `dtype ${B.dataType} rank ${B.dims.length}` : 'not an initializer')
  }
  const [b0, b1] = B!.dims.map(Number) as number[]
  const classes = transB ? b0 : b1
  const hiddenDim = transB ? b1 : b0
  if (classes < 2) fail('head classes', 'C >= 2', String(classes))
  const raw = tensorFloats(B!)
  if (raw.length !== classes * hiddenDim) fail('head weight data', `${classes * hiddenDim} floats`, String(raw.length))
  const headW = new Float32Array(classes * hiddenDim)
  for (let c = 0; c < classes; c++) for (let j = 0; j < hiddenDim; j++) headW[c * hiddenDim + j] = transB ? raw[c * hiddenDim + j] : raw[j * classes + c]
  let headB: Float32Array = new Float32Array(classes)
  if (gemm!.input[2]) {
    const bias = initializers.get(gemm!.input[2])
    if (!bias || bias.dataType !== onnx.TensorProto.DataType.FLOAT) fail('head bias', 'a float32 initializer', bias ? `dtype ${bias.dataType}` : 'not an initializer')
    headB = tensorFloats(bias!)
    if (headB.length !== classes) fail('head bias shape', `[${classes}]`, `${headB.length} values`)
  }
  const hiddenName = gemm!.input[0]
  if (hiddenName === input.name && hiddenDim !== inputDim) fail('head shape', `head width ${inputDim} (the input width)`, String(hiddenDim))
  const metadata = Object.fromEntries(model.metadataProps.map((p: Node) => [p.key, p.value]))
  return { inputName: input.name, inputDim, probsName, hiddenName, hiddenDim, classes, headW, headB, metadata }
}
