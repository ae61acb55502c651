import { AbiCoder, keccak256 } from 'ethers'
import { toChecksumAddress } from '../field/index.ts'
import { ValueOutOfRangeError } from '../errors/index.ts'
import { InvalidHexError } from './errors.ts'

export type SettlementIdParameters = {
  chainId: bigint
  /** The settlement contract's address. */
  settlementAddress: string
  /** The inference's id, 32 bytes as 0x-hex. */
  inferenceId: string
}

/**
 * settlementId = uint256(keccak256(abi.encode(uint256 chainId, address settlement, bytes32 inferenceId))) >> 8.
 * The first public input of the attribution circuit: it ties a proof to one inference, one
 * settlement contract and one chain, so a proof cannot be replayed elsewhere; `>> 8` fits it in the
 * field (Semaphore's `_hash`). Solidity: `uint256(keccak256(abi.encode(block.chainid, address(this), inferenceId))) >> 8`.
 */
export function settlementId({ chainId, settlementAddress, inferenceId }: SettlementIdParameters): bigint {
  if (typeof chainId !== 'bigint' || chainId < 0n || chainId >= 1n << 256n) {
    throw new ValueOutOfRangeError({ where: 'chainId', value: chainId, min: 0n, max: (1n << 256n) - 1n })
  }
  const address = toChecksumAddress(settlementAddress, 'settlementAddress')
  if (typeof inferenceId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(inferenceId)) {
    throw new InvalidHexError({ where: 'inferenceId', value: String(inferenceId), expected: '32 bytes as 0x followed by 64 hex digits' })
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'bytes32'], [chainId, address, inferenceId])
  return BigInt(keccak256(encoded)) >> 8n
}
