import type { Interface } from 'ethers'
import { PoaError } from '../errors/index.ts'

/** `contracts/` failed to compile (a Solidity error, or a missing import). */
export class ContractsCompileError extends PoaError {
  constructor({ cause }: { cause: unknown }) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    super('CONTRACTS_COMPILE_FAILED', 'INTERNAL', `compiling contracts/ failed: ${detail}`, { meta: { detail }, cause })
  }
}

/**
 * A transaction or call reverted with a custom error we could decode against our ABIs. `error`
 * is the Solidity error name (for example `DatanetVersionNotNext`), `args` its named arguments.
 */
export class ChainRevertError extends PoaError {
  readonly errorName: string
  readonly args: Record<string, unknown>
  constructor({ action, contract, errorName, args, cause }: { action: string; contract: string; errorName: string; args: Record<string, unknown>; cause?: unknown }) {
    const shown = Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(', ')
    super('CHAIN_REVERT', 'CHAIN', `${action} reverted: ${contract}.${errorName}(${shown})`, { meta: { action, contract, error: errorName, args }, cause })
    this.errorName = errorName
    this.args = args
  }
}

/** A chain request failed and carried no custom error we know (RPC down, out of gas, panic, plain revert). */
export class ChainRequestError extends PoaError {
  constructor({ action, reason, cause }: { action: string; reason: string; cause?: unknown }) {
    super('CHAIN_REQUEST_FAILED', 'CHAIN', `${action} failed: ${reason}`, { meta: { action, reason }, cause })
  }
}

/** The embedded chain's journal does not replay to the state it recorded (tampered or corrupt). */
export class JournalMismatchError extends PoaError {
  constructor({ journal, line, field, expected, got, cause }: { journal: string; line: number; field: string; expected: string; got: string; cause?: unknown }) {
    super('CHAIN_JOURNAL_MISMATCH', 'CHAIN', `${journal}:${line} replay mismatch in ${field}: journal has ${expected}, replay gave ${got}`, {
      meta: { journal, line, field, expected, got },
      cause,
    })
  }
}

/** A journal line is not a well-formed entry. */
export class JournalMalformedError extends PoaError {
  constructor({ journal, line, reason }: { journal: string; line: number; reason: string }) {
    super('CHAIN_JOURNAL_MALFORMED', 'CHAIN', `${journal}:${line} ${reason}`, { meta: { journal, line, reason } })
  }
}

/** The deployment file names a contract with no code at its address on this chain. */
export class DeploymentMismatchError extends PoaError {
  constructor({ file, contract, address, chainId }: { file: string; contract: string; address: string; chainId: bigint }) {
    super('CHAIN_DEPLOYMENT_MISMATCH', 'CHAIN', `${file}: ${contract} at ${address} has no code on chain ${chainId}`, {
      meta: { file, contract, address, chainId },
    })
  }
}

/** A contract the caller needs is not in the deployment. */
export class ContractNotDeployedError extends PoaError {
  constructor({ contract, chainId, file }: { contract: string; chainId: bigint; file: string }) {
    super('CHAIN_CONTRACT_NOT_DEPLOYED', 'CHAIN', `${contract} is not deployed on chain ${chainId} (no entry in ${file})`, {
      meta: { contract, chainId, file },
    })
  }
}

/** The chain connection options are inconsistent or unusable (missing key, bad keystore password). */
export class ChainConfigError extends PoaError {
  constructor({ option, reason, cause }: { option: string; reason: string; cause?: unknown }) {
    super('CHAIN_CONFIG_INVALID', 'USAGE', `${option}: ${reason}`, { meta: { option, reason }, cause })
  }
}

/** A named ABI, so a decoded error can say which contract raised it. */
export type NamedInterface = { name: string; iface: Interface }

/** The revert payload inside an ethers / Hardhat error, wherever the layers put it. */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || error === null || typeof error !== 'object') return undefined
  const record = error as Record<string, unknown>
  const data = record.data
  if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data
  if (data !== null && typeof data === 'object') {
    const nested = findRevertData(data, depth + 1)
    if (nested) return nested
  }
  for (const key of ['error', 'info', 'cause', 'payload']) {
    const nested = findRevertData(record[key], depth + 1)
    if (nested) return nested
  }
  return undefined
}

/**
 * Turn whatever a chain call threw into a PoaError: a custom error of one of `interfaces` becomes
 * a ChainRevertError naming it and its arguments; anything else a ChainRequestError. A PoaError
 * passes through unchanged.
 */
export function toChainError(error: unknown, action: string, interfaces: readonly NamedInterface[]): PoaError {
  if (error instanceof PoaError) return error
  const data = findRevertData(error)
  if (data) {
    for (const { name, iface } of interfaces) {
      let parsed: ReturnType<Interface['parseError']> = null
      try {
        parsed = iface.parseError(data)
      } catch {
        // parseError throws on a selector the ABI knows with undecodable data; try the next ABI.
        parsed = null
      }
      if (!parsed || parsed.name === 'Error' || parsed.name === 'Panic') continue
      const args: Record<string, unknown> = {}
      parsed.fragment.inputs.forEach((input, i) => {
        args[input.name || `arg${i}`] = parsed.args[i]
      })
      return new ChainRevertError({ action, contract: name, errorName: parsed.name, args, cause: error })
    }
  }
  const reason =
    (error as { shortMessage?: string }).shortMessage ?? (error instanceof Error ? error.message.split('\n')[0] : String(error))
  return new ChainRequestError({ action, reason, cause: error })
}
