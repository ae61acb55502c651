import { PoaError } from '../../errors/index.ts'

/** A parameter set the Noir attribution circuit cannot be generated for. */
export class NoirParamsError extends PoaError {
  constructor({ field, value, expected }: { field: string; value: unknown; expected: string }) {
    super('NOIR_PARAMS_INVALID', 'USAGE', `Noir attribution parameter ${field}: expected ${expected}, got ${String(value)}`, { meta: { field, value, expected } })
  }
}

/** noir_wasm refused the circuit sources: the first lines of its diagnostics. */
export class NoirCompileError extends PoaError {
  constructor({ name, cause }: { name: string; cause: unknown }) {
    const output = cause instanceof Error ? `${cause.message}` : String(cause)
    super('NOIR_COMPILE_FAILED', 'INTERNAL', `noir_wasm failed to compile ${name}: ${output.trim().split('\n').slice(0, 8).join(' | ')}`, { meta: { name }, cause })
  }
}

/** A circom-style attribution or challenge input that does not have the shape the parameter set needs. */
export class NoirInputShapeError extends PoaError {
  constructor({ statement = 'attribution', signal, expected, got }: { statement?: string; signal: string; expected: string; got: unknown }) {
    super('NOIR_INPUT_SHAPE', 'BAD_INPUT', `${statement} input "${signal}": expected ${expected}, got ${String(got)}`, { meta: { statement, signal, expected, got } })
  }
}
