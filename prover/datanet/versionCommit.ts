import type Database from 'better-sqlite3'
import { toChecksumAddress } from '../field/index.ts'
import { DatanetParameterError } from './errors.ts'

export type RecordVersionCommitParameters = {
  /** Datanet id or name. */
  datanet: number | string
  version: number
  /** 0x + 64 hex digits. */
  txHash: string
  blockNumber: number
  chainId: number | bigint
  /** Address of the registry contract that holds the root. */
  registry: string
}

/**
 * Record where a version's root was committed on-chain. Writing again replaces the previous commit
 * info: a development chain restarts from genesis and the same version is committed anew.
 */
export function recordCommitInto(db: Database.Database, datanetId: number, p: RecordVersionCommitParameters): void {
  if (typeof p.txHash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(p.txHash)) {
    throw new DatanetParameterError({ name: 'txHash', value: p.txHash, expected: '0x followed by 64 hex digits' })
  }
  if (!Number.isSafeInteger(p.blockNumber) || p.blockNumber < 0) {
    throw new DatanetParameterError({ name: 'blockNumber', value: p.blockNumber, expected: 'a non-negative integer' })
  }
  const chainId = typeof p.chainId === 'bigint' ? Number(p.chainId) : p.chainId
  if (!Number.isSafeInteger(chainId) || chainId < 1) {
    throw new DatanetParameterError({ name: 'chainId', value: p.chainId, expected: 'a positive integer' })
  }
  const registry = toChecksumAddress(p.registry, 'registry')
  db.prepare('UPDATE versions SET tx_hash = ?, block_number = ?, chain_id = ?, registry = ?, committed_at = ? WHERE datanet_id = ? AND version = ?').run(
    p.txHash.toLowerCase(), p.blockNumber, chainId, registry, new Date().toISOString(), datanetId, p.version,
  )
}
