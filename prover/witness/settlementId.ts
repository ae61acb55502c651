import { AbiCoder, keccak256 } from 'ethers'
import { toChecksumAddress } from '../field/index.ts'
import { InvalidAddressError, ValueOutOfRangeError } from '../errors/index.ts'
import { InvalidHexError } from './errors.ts'

export type SettlementIdParameters = {
  chainId: bigint
  /** The settlement contract's address. */
  settlementAddress: string
  /** The inference's id, 32 bytes as 0x-hex. */
  inferenceId: string
  /**
   * Who receives the prover fee: settle's `prover` argument, or the account that sends settle when
   * that argument is the zero address. A proof pays only this address.
   */
  prover: string
}

/**
 * settlementId = uint256(keccak256(abi.encode(uint256 chainId, address settlement, bytes32 inferenceId, address prover))) >> 8.
 * The first public input of the attribution circuit: it ties a proof to one inference, one
 * settlement contract, one chain and one prover-fee recipient, so a proof cannot be replayed
 * elsewhere, and a settle copied from the mempool cannot redirect the fee; `>> 8` fits it in the
 * field (Semaphore's `_hash`). Solidity: `settlementIdOf(inferenceId, prover)`.
 */
export function settlementId({ chainId, settlementAddress, inferenceId, prover }: SettlementIdParameters): bigint {
  return bindingId({ chainId, settlementAddress, inferenceId, party: prover, name: 'prover' })
}

export type ChallengeIdParameters = Omit<SettlementIdParameters, 'prover'> & {
  /** Who posts the challenge and receives the prover's bond when it succeeds. */
  challenger: string
}

/**
 * challengeId = uint256(keccak256(abi.encode(uint256 chainId, address settlement, bytes32 inferenceId, address challenger))) >> 8:
 * the first public input of the challenge circuit, as the settlement derives it, so a challenge
 * copied from the mempool cannot redirect the bond to the copier. Same encoding as settlementId with
 * the challenger in the prover's place: the two ids feed different circuits and verifiers.
 */
export function challengeId({ chainId, settlementAddress, inferenceId, challenger }: ChallengeIdParameters): bigint {
  return bindingId({ chainId, settlementAddress, inferenceId, party: challenger, name: 'challenger' })
}

function bindingId({ chainId, settlementAddress, inferenceId, party, name }: Omit<SettlementIdParameters, 'prover'> & { party: string; name: string }): bigint {
  if (typeof chainId !== 'bigint' || chainId < 0n || chainId >= 1n << 256n) {
    throw new ValueOutOfRangeError({ where: 'chainId', value: chainId, min: 0n, max: (1n << 256n) - 1n })
  }
  const address = toChecksumAddress(settlementAddress, 'settlementAddress')
  if (typeof inferenceId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(inferenceId)) {
    throw new InvalidHexError({ where: 'inferenceId', value: String(inferenceId), expected: '32 bytes as 0x followed by 64 hex digits' })
  }
  const recipient = toChecksumAddress(party, name)
  if (BigInt(recipient) === 0n) {
    // The contract resolves a zero recipient to the sender, so no id made for 0 can match.
    throw new InvalidAddressError({ where: name, value: recipient, reason: `is the zero address: the contract pays its sender then, so bind the sender's address` })
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'bytes32', 'address'], [chainId, address, inferenceId, recipient])
  return BigInt(keccak256(encoded)) >> 8n
}
