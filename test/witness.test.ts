import { describe, expect, it } from 'vitest'
import { AbiCoder, keccak256, concat, zeroPadValue, toBeHex, getAddress } from 'ethers'
import {
  buildAttributionWitness,
  computeScores,
  splitRewards,
  settlementId,
  packPayoutSlot,
  unpackPayoutSlot,
  signedToField,
  fieldToSigned,
  SNARK_SCALAR_FIELD,
  CandidateOrderError,
  CandidateProofError,
  WitnessShapeError,
  PayoutOverflowError,
  InvalidHexError,
  parseWitnessParameters,
  paidThreshold,
  paidLeafValues,
  paidLeavesHash,
  challengeId,
} from '../prover/witness/index.ts'
import { ValueOutOfRangeError, FieldOutOfRangeError, InvalidAddressError, jsonSafe } from '../prover/errors/index.ts'
import { readR1cs } from '../prover/proof/readR1cs.ts'
import { compileCircuit } from '../prover/proof/compileCircuit.ts'
import { TINY_PARAMS, TINY_SPEC } from '../prover/proof/circuitParams.ts'
import { randomScenario, rng, randomBigint } from './witnessFixture.ts'

describe('splitRewards (TS reference)', () => {
  it('pays floor(P * s_i / S) and leaves less than the number of paid candidates undistributed', () => {
    const next = rng(7)
    for (let trial = 0; trial < 200; trial++) {
      const pool = randomBigint(next, 93)
      const scores = Array.from({ length: 1 + Math.floor(next() * 16) }, () => randomBigint(next, 36) - (1n << 35n))
      const { payouts, undistributed, totalScore, remainders } = splitRewards({ pool, scores })
      const positive = scores.map((s) => (s > 0n ? s : 0n))
      expect(totalScore, `trial ${trial}`).toBe(positive.reduce((a, b) => a + b, 0n))
      const paid = positive.filter((s) => s > 0n).length
      if (totalScore === 0n) expect(undistributed).toBe(pool)
      else {
        expect(undistributed >= 0n && undistributed < BigInt(Math.max(paid, 1))).toBe(true)
        positive.forEach((s, i) => expect(pool * s).toBe(payouts[i] * totalScore + remainders[i]))
      }
      scores.forEach((s, i) => s <= 0n && expect(payouts[i]).toBe(0n))
    }
  })

  it('pays nothing when no score is positive, and rejects a pool outside [0, 2^96) or a payout of 2^93', () => {
    expect(splitRewards({ pool: 1000n, scores: [-1n, 0n, -5n] }).payouts).toEqual([0n, 0n, 0n])
    expect(() => splitRewards({ pool: 1n << 96n, scores: [1n] })).toThrow(ValueOutOfRangeError)
    expect(() => splitRewards({ pool: -1n, scores: [1n] })).toThrow(/pool = -1 is outside/)
    expect(() => splitRewards({ pool: 1n << 93n, scores: [1n] })).toThrow(PayoutOverflowError)
    expect(splitRewards({ pool: (1n << 93n) - 1n, scores: [5n] }).payouts).toEqual([(1n << 93n) - 1n])
  })
})

describe('paidThreshold and paidLeavesHash (TS reference of the challenge game inputs)', () => {
  it('is the smallest positive part of K scores, and 0 with an empty slot or a non-positive score', () => {
    expect(paidThreshold({ candidateSlots: 3, scores: [7n, 3n, 9n] })).toBe(3n)
    expect(paidThreshold({ candidateSlots: 3, scores: [7n, 3n] })).toBe(0n)
    expect(paidThreshold({ candidateSlots: 3, scores: [7n, -3n, 9n] })).toBe(0n)
    expect(paidThreshold({ candidateSlots: 1, scores: [5n] })).toBe(5n)
    expect(paidThreshold({ candidateSlots: 2, scores: [] })).toBe(0n)
    expect(() => paidThreshold({ candidateSlots: 1, scores: [1n, 2n] })).toThrow(WitnessShapeError)
  })

  it('hashes leafIndex + 1 per paid slot and 0 per empty one, so leaf 0 paid differs from no one paid', async () => {
    const { getPoseidon } = await import('../prover/hash/index.ts')
    const p = await getPoseidon()
    expect(paidLeafValues({ candidateSlots: 3, leafIndices: [0, 4] })).toEqual([1n, 5n, 0n])
    expect(await paidLeavesHash({ candidateSlots: 3, leafIndices: [0, 4] })).toBe(p.hash([1n, 5n, 0n]))
    expect(await paidLeavesHash({ candidateSlots: 2, leafIndices: [0] })).not.toBe(await paidLeavesHash({ candidateSlots: 2, leafIndices: [] }))
    expect(() => paidLeafValues({ candidateSlots: 2, leafIndices: [4, 4] })).toThrow(CandidateOrderError)
    expect(() => paidLeafValues({ candidateSlots: 17, leafIndices: [] })).toThrow(/at most 16|\[1, 16\]/)
    expect(() => paidLeafValues({ candidateSlots: 1, leafIndices: [1, 2] })).toThrow(WitnessShapeError)
  })
})

describe('computeScores', () => {
  it('is the exact integer dot product, and rejects wrong lengths and out-of-range features', () => {
    expect(computeScores({ candidateFeatures: [[1n, -2n, 3n], [32767n, 32767n, -32767n]], queryFeatures: [4n, 5n, -6n] })).toEqual([-24n, 32767n * 15n])
    expect(() => computeScores({ candidateFeatures: [[1n, 2n]], queryFeatures: [1n, 2n, 3n] })).toThrow(WitnessShapeError)
    expect(() => computeScores({ candidateFeatures: [[1n, 32768n, 0n]], queryFeatures: [1n, 2n, 3n] })).toThrow(/candidateFeatures\[0\]\[1\] = 32768 is outside/)
    expect(() => computeScores({ candidateFeatures: [[1n, 2n, 3n]], queryFeatures: [1n, -32768n, 3n] })).toThrow(/queryFeatures\[1\]/)
  })
})

describe('settlementId', () => {
  const params = {
    chainId: 31337n, settlementAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3', inferenceId: `0x${'ab'.repeat(32)}`,
    prover: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  }
  it('is keccak256(abi.encode(uint256, address, bytes32, address)) >> 8, fits 248 bits, and separates chain, contract, inference and prover', () => {
    const words = concat([zeroPadValue(toBeHex(31337n), 32), zeroPadValue(params.settlementAddress, 32), params.inferenceId, zeroPadValue(params.prover, 32)])
    expect(settlementId(params)).toBe(BigInt(keccak256(words)) >> 8n)
    expect(AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'bytes32', 'address'], [31337n, params.settlementAddress, params.inferenceId, params.prover])).toBe(words)
    expect(settlementId(params) < 1n << 248n).toBe(true)
    const others = [
      settlementId({ ...params, chainId: 1n }),
      settlementId({ ...params, settlementAddress: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' }),
      settlementId({ ...params, inferenceId: `0x${'ab'.repeat(31)}ac` }),
      // A front-runner naming itself as the fee recipient needs another id, so another proof.
      settlementId({ ...params, prover: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' }),
    ]
    for (const other of others) expect(other).not.toBe(settlementId(params))
  })

  it('challengeId has the same encoding with the challenger in the prover\'s place, and refuses a zero challenger', () => {
    const { prover, ...rest } = params
    expect(challengeId({ ...rest, challenger: prover })).toBe(settlementId(params))
    expect(challengeId({ ...rest, challenger: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' })).not.toBe(settlementId(params))
    expect(() => challengeId({ ...rest, challenger: '0x0000000000000000000000000000000000000000' })).toThrow(/challenger: .* is the zero address/)
  })

  it('rejects a bad address, a bad or zero prover, a short inference id and a negative chain id', () => {
    expect(() => settlementId({ ...params, settlementAddress: '0x1234' })).toThrow(InvalidAddressError)
    expect(() => settlementId({ ...params, prover: '0x90f79bf6eb2c4f870365e785982e1f101e93B906' })).toThrow(/prover: .* has a bad EIP-55 checksum/)
    expect(() => settlementId({ ...params, prover: undefined as unknown as string })).toThrow(/prover: "undefined" is not a string/)
    expect(() => settlementId({ ...params, prover: '0x0000000000000000000000000000000000000000' })).toThrow(/prover: .* is the zero address/)
    expect(() => settlementId({ ...params, inferenceId: '0xabcd' })).toThrow(InvalidHexError)
    expect(() => settlementId({ ...params, chainId: -1n })).toThrow(ValueOutOfRangeError)
  })
})

describe('payout slots and field encoding', () => {
  it('packs contributor + payout * 2^160 and unpacks it; encodes negatives as r - |x|', async () => {
    const contributor = BigInt('0x00000000000000000000000000000000000000ff')
    const slot = packPayoutSlot(contributor, (1n << 93n) - 1n)
    expect(slot < SNARK_SCALAR_FIELD).toBe(true)
    expect(unpackPayoutSlot(slot)).toEqual({ contributor: getAddress('0x00000000000000000000000000000000000000ff'), payout: (1n << 93n) - 1n })
    expect(signedToField(-5n)).toBe(SNARK_SCALAR_FIELD - 5n)
    expect(fieldToSigned(signedToField(-5n))).toBe(-5n)
    expect(fieldToSigned(signedToField(5n))).toBe(5n)
  })

  it('uses the field prime of the compiled circuit', async () => {
    const circuit = await compileCircuit(TINY_SPEC)
    expect((await readR1cs(circuit.r1csPath)).prime).toBe(SNARK_SCALAR_FIELD)
  })
})

describe('buildAttributionWitness validates at the door', () => {
  const scenario = () => randomScenario({ params: TINY_PARAMS, seed: 5, records: 30 })

  it('builds padded slots: active flags, zero siblings and zero slots for empty candidates', async () => {
    const p = await scenario()
    const built = await buildAttributionWitness({ ...p, candidates: p.candidates.slice(0, 1) })
    expect(built.input.active).toEqual([1n, 0n, 0n])
    expect(built.publicInputs.payoutSlots.slice(1)).toEqual([0n, 0n])
    expect((built.input.datanetSiblings as bigint[][])[2]).toEqual(new Array(TINY_PARAMS.treeDepth).fill(0n))
    expect(built.publicSignals.length).toBe(7 + TINY_PARAMS.candidateSlots)
    // One empty slot: threshold 0; the paid leaves are leafIndex + 1 of the one candidate, then zeros.
    expect(built.publicInputs.threshold).toBe(0n)
    expect(built.publicInputs.paidLeavesHash).toBe(await paidLeavesHash({ candidateSlots: 3, leafIndices: [p.candidates[0].leafIndex] }))
    expect(built.publicSignals.slice(5, 7)).toEqual([0n, built.publicInputs.paidLeavesHash])
  })

  it('rejects more candidates than slots, duplicates and a decreasing order', async () => {
    const p = await scenario()
    await expect(buildAttributionWitness({ ...p, candidates: [...p.candidates, p.candidates[0]] })).rejects.toThrow(WitnessShapeError)
    await expect(buildAttributionWitness({ ...p, candidates: [p.candidates[0], p.candidates[0]] })).rejects.toThrow(CandidateOrderError)
    await expect(buildAttributionWitness({ ...p, candidates: [p.candidates[1], p.candidates[0]] })).rejects.toThrow(/candidates\[1\]\.leafIndex = \d+ is not greater than/)
  })

  it('rejects a tampered sibling, a proof of another leaf, a wrong root and a wrong contributor', async () => {
    const p = await scenario()
    const c = p.candidates[0]
    const siblings = c.datanetProof.siblings.slice()
    siblings[3] += 1n
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, datanetProof: { ...c.datanetProof, siblings } }] })).rejects.toThrow(/candidates\[0\]\.datanetProof: path leads to/)
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, indexProof: p.candidates[1].indexProof }] })).rejects.toThrow(CandidateProofError)
    await expect(buildAttributionWitness({ ...p, indexRoot: p.indexRoot + 1n })).rejects.toThrow(/indexProof: root .* is not the expected root/)
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, contributor: p.candidates[1].contributor }] })).rejects.toThrow(/datanetProof: leaf .* is not the recomputed leaf/)
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, contributor: '0x12' }] })).rejects.toThrow(/candidates\[0\]\.contributor: "0x12"/)
  })

  it('rejects features of the wrong length or out of range, and out-of-range public values', async () => {
    const p = await scenario()
    const c = p.candidates[0]
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, features: c.features.slice(1) }] })).rejects.toThrow(/candidates\[0\]\.features: expected 8 features, got 7/)
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, features: [32768n, ...c.features.slice(1)] }] })).rejects.toThrow(/candidates\[0\]\.features\[0\] = 32768/)
    await expect(buildAttributionWitness({ ...p, query: { ...p.query, features: [...p.query.features.slice(1), -32768n] } })).rejects.toThrow(/query\.features\[7\] = -32768/)
    await expect(buildAttributionWitness({ ...p, settlementId: 1n << 248n })).rejects.toThrow(/settlementId = .* is outside/)
    await expect(buildAttributionWitness({ ...p, pool: 1n << 96n })).rejects.toThrow(/pool = .* is outside/)
    await expect(buildAttributionWitness({ ...p, datanetRoot: -1n })).rejects.toThrow(FieldOutOfRangeError)
    await expect(buildAttributionWitness({ ...p, candidates: [{ ...c, leafIndex: 256 }] })).rejects.toThrow(/candidates\[0\]\.leafIndex = 256 is outside \[0, 255\]/)
  })
})

describe('parseWitnessParameters', () => {
  it('reads the shared vector JSON back into the builder parameters', async () => {
    const { readFileSync } = await import('node:fs')
    const { VECTOR_PATH, readAttributionVector } = await import('./vectors/attributionVector.ts')
    const json = JSON.parse(readFileSync(VECTOR_PATH, 'utf8'))
    expect(parseWitnessParameters(json.parameters)).toEqual(readAttributionVector().parameters)
  })

  it('names the field that is missing or malformed', async () => {
    const p = JSON.parse(JSON.stringify(jsonSafe(await randomScenario({ params: TINY_PARAMS, seed: 6 }))))
    expect(() => parseWitnessParameters({ ...p, pool: 'lots' })).toThrow(/pool: "lots" is not an integer/)
    expect(() => parseWitnessParameters({ ...p, params: { ...p.params, treeDepth: '8' } })).toThrow(/params\.treeDepth/)
    const candidates = JSON.parse(JSON.stringify(p.candidates))
    candidates[1].indexProof.children[2][3] = 1.5
    expect(() => parseWitnessParameters({ ...p, candidates })).toThrow(/candidates\[1\]\.indexProof\.children\[2\]\[3\]/)
    candidates[1].indexProof.children = 'none'
    expect(() => parseWitnessParameters({ ...p, candidates })).toThrow(/candidates\[1\]\.indexProof\.children: "none" is not an array of levels of 4 children/)
    expect(() => parseWitnessParameters({ ...p, candidates: 'none' })).toThrow(WitnessShapeError)
  })
})
