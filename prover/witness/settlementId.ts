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
  if (typeof chainId !== 'bigint' || chainId < 0n || chainId >= 1n << 256n) {
    throw new ValueOutOfRangeError({ where: 'chainId', value: chainId, min: 0n, max: (1n << 256n) - 1n })
  }
  const address = toChecksumAddress(settlementAddress, 'settlementAddress')
  if (typeof inferenceId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(inferenceId)) {
    throw new InvalidHexError({ where: 'inferenceId', value: String(inferenceId), expected: '32 bytes as 0x followed by 64 hex digits' })
  }
  const recipient = toChecksumAddress(prover, 'prover')
  if (BigInt(recipient) === 0n) {
    // settle resolves prover = address(0) to its sender, so no settlement can match an id made for 0.
    throw new InvalidAddressError({ where: 'prover', value: recipient, reason: 'is the zero address: settle pays its sender then, so bind the sender\'s address' })
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'bytes32', 'address'], [chainId, address, inferenceId, recipient])
  return BigInt(keccak256(encoded)) >> 8n
}
