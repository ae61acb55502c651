import { PoaError } from '../errors/index.ts'

/** An adapter or base file that cannot be read as what it claims to be: names the file and the problem. */
export class AdapterFileError extends PoaError {
  constructor({ file, problem, expected, got }: { file: string; problem: string; expected?: string; got?: string }) {
    super('ADAPTER_FILE', 'BAD_INPUT', `${file}: ${problem}${expected !== undefined ? `: expected ${expected}` : ''}${got !== undefined ? `, got ${got}` : ''}`, { meta: { file, problem, expected, got } })
  }
}

/** An adapter built for another base model (its recorded base hash differs from the loaded base). */
export class AdapterBaseMismatchError extends PoaError {
  constructor({ file, expected, got }: { file: string; expected: string; got: string }) {
    super('ADAPTER_BASE_MISMATCH', 'BAD_INPUT', `${file}: adapter was trained on base ${got}: expected base ${expected}`, { meta: { file, expected, got } })
  }
}

/** A bad training or host option (rank, hidden width, epochs, cache size...). */
export class AdapterOptionError extends PoaError {
  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super('ADAPTER_OPTION', 'USAGE', `${option} = ${String(value)}: expected ${expected}`, { meta: { option, value, expected } })
  }
}
