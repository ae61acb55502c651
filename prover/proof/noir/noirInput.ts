import type { InputMap } from '@noir-lang/noir_js'
import { toFr } from '../../field/index.ts'
import { quaternaryLevels } from '../../merkle/index.ts'
import type { AttributionCircuitInput } from '../../witness/index.ts'
import type { AttributionParams } from '../circuitParams.ts'
import { NoirInputShapeError } from './errors.ts'

/*
 * One witness builder per statement for both proof systems: buildAttributionWitness and
 * buildChallengeInput produce the circom circuits' input signals (field elements, negative features
 * as r - |x|), and this file renames and reshapes them into the Noir mains' parameters
 * (circuits/noir/attribution/src/main.nr, circuits/noir/challenge/src/main.nr), whose field
 * encoding is the same.
 */

type InputValue = InputMap[string]
type Dim = 'K' | 'k' | 'depth' | 'levels' | 4

type Signal = { circom: string; noir: string; shape: readonly Dim[]; isPublic: boolean }

/** Each circom input signal of Attribution, its Noir parameter and its shape, in the Noir main's parameter order. */
const SIGNALS: readonly Signal[] = [
  { circom: 'settlementId', noir: 'settlement_id', shape: [], isPublic: true },
  { circom: 'datanetRoot', noir: 'datanet_root', shape: [], isPublic: true },
  { circom: 'indexRoot', noir: 'index_root', shape: [], isPublic: true },
  { circom: 'queryCommitment', noir: 'query_commitment', shape: [], isPublic: true },
  { circom: 'pool', noir: 'pool', shape: [], isPublic: true },
  { circom: 'threshold', noir: 'threshold', shape: [], isPublic: true },
  { circom: 'paidLeavesHash', noir: 'paid_leaves_hash', shape: [], isPublic: true },
  { circom: 'payoutSlot', noir: 'payout_slot', shape: ['K'], isPublic: true },
  { circom: 'inputHash', noir: 'input_hash', shape: [], isPublic: false },
  { circom: 'queryFeatures', noir: 'query_features', shape: ['k'], isPublic: false },
  { circom: 'active', noir: 'active', shape: ['K'], isPublic: false },
  { circom: 'leafIndex', noir: 'leaf_index', shape: ['K'], isPublic: false },
  { circom: 'contributor', noir: 'contributor', shape: ['K'], isPublic: false },
  { circom: 'contentHash', noir: 'content_hash', shape: ['K'], isPublic: false },
  { circom: 'labelHash', noir: 'label_hash', shape: ['K'], isPublic: false },
  { circom: 'datanetSiblings', noir: 'datanet_siblings', shape: ['K', 'depth'], isPublic: false },
  { circom: 'indexChildren', noir: 'index_children', shape: ['K', 'levels', 4], isPublic: false },
  { circom: 'features', noir: 'features', shape: ['K', 'k'], isPublic: false },
]

/** The same for Challenge: one record instead of K slots, and the K paid-leaf values. */
const CHALLENGE_SIGNALS: readonly Signal[] = [
  { circom: 'challengeId', noir: 'challenge_id', shape: [], isPublic: true },
  { circom: 'datanetRoot', noir: 'datanet_root', shape: [], isPublic: true },
  { circom: 'indexRoot', noir: 'index_root', shape: [], isPublic: true },
  { circom: 'queryCommitment', noir: 'query_commitment', shape: [], isPublic: true },
  { circom: 'threshold', noir: 'threshold', shape: [], isPublic: true },
  { circom: 'paidLeavesHash', noir: 'paid_leaves_hash', shape: [], isPublic: true },
  { circom: 'leafIndex', noir: 'leaf_index', shape: [], isPublic: false },
  { circom: 'contributor', noir: 'contributor', shape: [], isPublic: false },
  { circom: 'contentHash', noir: 'content_hash', shape: [], isPublic: false },
  { circom: 'labelHash', noir: 'label_hash', shape: [], isPublic: false },
  { circom: 'datanetSiblings', noir: 'datanet_siblings', shape: ['depth'], isPublic: false },
  { circom: 'indexChildren', noir: 'index_children', shape: ['levels', 4], isPublic: false },
  { circom: 'features', noir: 'features', shape: ['k'], isPublic: false },
  { circom: 'inputHash', noir: 'input_hash', shape: [], isPublic: false },
  { circom: 'queryFeatures', noir: 'query_features', shape: ['k'], isPublic: false },
  { circom: 'paid', noir: 'paid', shape: ['K'], isPublic: false },
]

function sizes(params: AttributionParams): Record<Exclude<Dim, 4>, number> {
  return { K: params.candidateSlots, k: params.featureCount, depth: params.treeDepth, levels: quaternaryLevels(params.treeDepth) }
}

/** Check one signal against its shape and turn its field elements into 0x-hex strings, as noirc_abi reads them. */
function convert(value: unknown, shape: readonly number[], where: string, statement: string): InputValue {
  if (shape.length === 0) {
    if (typeof value !== 'bigint') throw new NoirInputShapeError({ statement, signal: where, expected: 'a field element (bigint)', got: Array.isArray(value) ? `an array of ${value.length}` : typeof value })
    return `0x${toFr(value, where).toString(16)}`
  }
  if (!Array.isArray(value) || value.length !== shape[0]) {
    throw new NoirInputShapeError({ statement, signal: where, expected: `an array of ${shape[0]}`, got: Array.isArray(value) ? `an array of ${value.length}` : typeof value })
  }
  return value.map((item, i) => convert(item, shape.slice(1), `${where}[${i}]`, statement))
}

/**
 * The Noir attribution program's inputs (noir_js InputMap) from the circom-style input that
 * buildAttributionWitness returns, for the same parameter set. Refuses a missing signal, a wrong
 * shape or a value outside [0, r), naming the signal.
 */
export function noirInputOf(input: AttributionCircuitInput, params: AttributionParams): InputMap {
  return mapInput(SIGNALS, input, params, 'attribution')
}

/**
 * The Noir challenge program's inputs from the circom-style input that buildChallengeInput
 * returns, for the same parameter set; refuses what noirInputOf refuses, naming the signal.
 */
export function noirChallengeInputOf(input: Record<string, unknown>, params: AttributionParams): InputMap {
  return mapInput(CHALLENGE_SIGNALS, input, params, 'challenge')
}

function mapInput(signals: readonly Signal[], input: Record<string, unknown>, params: AttributionParams, statement: string): InputMap {
  const dims = sizes(params)
  const out: InputMap = {}
  for (const { circom, noir, shape } of signals) {
    out[noir] = convert(input[circom], shape.map((d) => (d === 4 ? 4 : dims[d])), circom, statement)
  }
  return out
}

/**
 * The public inputs of the Noir program in its order (settlementId, datanetRoot, indexRoot,
 * queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K]): the circom public signals,
 * element for element, which is what lets one settlement layout serve both systems.
 */
export function noirPublicInputsOf(input: AttributionCircuitInput, params: AttributionParams): bigint[] {
  return publicInputsOf(SIGNALS, input, params, 'attribution')
}

/** The Noir challenge program's public inputs in its order: the circom Challenge's public signals. */
export function noirChallengePublicInputsOf(input: Record<string, unknown>, params: AttributionParams): bigint[] {
  return publicInputsOf(CHALLENGE_SIGNALS, input, params, 'challenge')
}

function publicInputsOf(signals: readonly Signal[], input: Record<string, unknown>, params: AttributionParams, statement: string): bigint[] {
  const dims = sizes(params)
  const flat: bigint[] = []
  for (const { circom, shape, isPublic } of signals) {
    if (!isPublic) continue
    const value = input[circom]
    const items = shape.length === 0 ? [value] : Array.isArray(value) && value.length === dims[shape[0] as 'K'] ? value : undefined
    if (!items) throw new NoirInputShapeError({ statement, signal: circom, expected: shape.length === 0 ? 'a field element' : `an array of ${dims[shape[0] as 'K']}`, got: Array.isArray(value) ? `an array of ${value.length}` : typeof value })
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'bigint') throw new NoirInputShapeError({ statement, signal: shape.length ? `${circom}[${i}]` : circom, expected: 'a field element (bigint)', got: typeof item })
      flat.push(toFr(item, shape.length ? `${circom}[${i}]` : circom))
    }
  }
  return flat
}

/** Names of the Noir attribution main's parameters, in order (the ABI's). */
export const NOIR_ATTRIBUTION_PARAMETERS: readonly string[] = SIGNALS.map((s) => s.noir)
/** Names of the Noir challenge main's parameters, in order (the ABI's). */
export const NOIR_CHALLENGE_PARAMETERS: readonly string[] = CHALLENGE_SIGNALS.map((s) => s.noir)
