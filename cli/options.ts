import { Option } from 'commander'
import { PoaError } from '../prover/errors/index.ts'
import { CIRCUIT_SET_NAMES, type CircuitSetName } from '../prover/proof/circuitParams.ts'
import { parseVectorizerSpec } from '../prover/influence/vectorizerSpec.ts'

/**
 * The one set of option and argument parsers every command group uses. Each is a commander
 * `argParser`: it runs while commander parses, before any action, so a bad flag is always a usage
 * error (exit 2) naming the flag, the expectation and what came, whichever group it belongs to.
 * This module imports nothing heavy: `poa --help` loads it.
 */

/** Global options every command sees through `optsWithGlobals()`. */
export type GlobalOptions = {
  json?: boolean
  /** Print only the identifier a command makes (see printResult). */
  quiet?: boolean
  /** poa home folder: --home, else POA_HOME, else ./.poa (resolved at the CLI edge only). */
  home: string
  /** Build folder: --build-dir, else POA_BUILD_DIR, else undefined (the library's default, <package>/build). */
  buildDir?: string
}

/** A flag or argument value that does not parse: always exit 2. */
export class CliUsageError extends PoaError {
  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super('USAGE', 'USAGE', `${option}: expected ${expected}, got ${JSON.stringify(value)}`, { meta: { option, value, expected } })
  }
}

/** Two flags that exclude or need each other, or a required choice left out: exit 2. */
export class CliOptionConflictError extends PoaError {
  constructor({ option, reason }: { option: string; reason: string }) {
    super('USAGE', 'USAGE', `${option}: ${reason}`, { meta: { option } })
  }
}

type Parser<T> = (text: string) => T

/** An integer in [min, max], written in decimal digits only. */
export function integerOption(option: string, min: number, max: number): Parser<number> {
  return (text) => {
    if (!/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new CliUsageError({ option, value: text, expected: `an integer in [${min}, ${max}]` })
    }
    return Number(text)
  }
}

/**
 * A cross-validation fold count: 0 (off) or an integer in [2, max]. One fold has nothing to train
 * on, and above 20 each refit sees almost the same records: more folds only cost time.
 */
export function foldsOption(option: string, max = 20): Parser<number> {
  return (text) => {
    if (!/^\d{1,16}$/.test(text) || Number(text) === 1 || Number(text) > max) {
      throw new CliUsageError({ option, value: text, expected: `0 (no cross-validation) or an integer in [2, ${max}]` })
    }
    return Number(text)
  }
}

/** A non-negative integer of any size, in decimal or 0x-hex. */
export function bigintOption(option: string): Parser<bigint> {
  return (text) => {
    if (!/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(text)) throw new CliUsageError({ option, value: text, expected: 'a decimal or 0x-hex integer' })
    return BigInt(text)
  }
}

/**
 * A field element in decimal or 0x-hex (at most 256 bits). Whether it is below r is checked by
 * the library at its door (`toFr`), which this module does not load (it pulls in ethers).
 */
export function fieldOption(option: string): Parser<bigint> {
  return (text) => {
    if (!/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(text)) throw new CliUsageError({ option, value: text, expected: 'a field element in decimal or 0x-hex' })
    return BigInt(text)
  }
}

/** A positive (or, with allowZero, non-negative) OPEN amount with up to 18 decimals ("1.5"), as wei. */
export function openAmountOption(option: string, { allowZero = false }: { allowZero?: boolean } = {}): Parser<bigint> {
  return (text) => {
    const m = /^(\d{1,40})(?:\.(\d{1,18}))?$/.exec(text)
    const wei = m ? BigInt(m[1]) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0')) : -1n
    if (wei < 0n || (wei === 0n && !allowZero)) throw new CliUsageError({ option, value: text, expected: `a ${allowZero ? 'non-negative' : 'positive'} OPEN amount such as 1.5` })
    return wei
  }
}

/** A positive decimal number (a float flag such as --l2). */
export function positiveNumberOption(option: string): Parser<number> {
  return (text) => {
    const value = Number(text)
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(text) || !(value > 0) || !Number.isFinite(value)) throw new CliUsageError({ option, value: text, expected: 'a positive number' })
    return value
  }
}

/** An inference id: 0x followed by 64 hex digits (lower-cased). */
export function inferenceIdOption(option: string): Parser<string> {
  return (text) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new CliUsageError({ option, value: text, expected: '0x followed by 64 hex digits' })
    return text.toLowerCase()
  }
}

/** An EVM address (0x + 40 hex digits); the library checks its EIP-55 checksum. */
export function addressOption(option: string): Parser<string> {
  return (text) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new CliUsageError({ option, value: text, expected: 'an EVM address (0x followed by 40 hex digits)' })
    return text
  }
}

/** A JSON-RPC endpoint: an http(s) or ws(s) URL. */
export function rpcUrlOption(option: string): Parser<string> {
  return (text) => {
    let url: URL | undefined
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
    if (!url || !['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new CliUsageError({ option, value: text, expected: 'an http(s):// or ws(s):// URL' })
    return text
  }
}

/** A 32-byte private key in hex (0x optional). */
export function privateKeyOption(option: string): Parser<string> {
  return (text) => {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) throw new CliUsageError({ option, value: `${text.slice(0, 6)}...`, expected: 'a 32-byte hex private key' })
    return text
  }
}

/** --account: a Hardhat account index (embedded chain) or a 32-byte private key. */
export function accountOption(option: string): Parser<number | string> {
  const key = privateKeyOption(option)
  return (text) => {
    if (/^\d{1,3}$/.test(text)) return integerOption(option, 0, 19)(text)
    try {
      return key(text)
    } catch {
      throw new CliUsageError({ option, value: `${text.slice(0, 6)}...`, expected: 'a Hardhat account index 0..19 or a 32-byte hex private key' })
    }
  }
}

/** Exactly one of two flags, for example --text or --file. */
export function exactlyOne(option: string, a: unknown, b: unknown): void {
  if ((a === undefined) === (b === undefined)) throw new CliOptionConflictError({ option, reason: 'give exactly one of them' })
}

/**
 * A vectoriser spec (`hashing-v1`, `char:1-3`, `word:1-2@4096`, see prover/influence/vectorizerSpec.ts),
 * parsed into its config here so a bad spec is a usage error naming the flag.
 */
export function vectoriserOption(option: string): Parser<import('../prover/influence/vectorizerSpec.ts').VectorizerConfig>
/** With allowAuto: also the word `auto` (poa model train: chosen by held-out accuracy). */
export function vectoriserOption(option: string, o: { allowAuto: true }): Parser<import('../prover/influence/vectorizerSpec.ts').VectorizerConfig | 'auto'>
export function vectoriserOption(option: string, { allowAuto = false }: { allowAuto?: boolean } = {}): Parser<import('../prover/influence/vectorizerSpec.ts').VectorizerConfig | 'auto'> {
  return (text) => {
    if (allowAuto && text === 'auto') return 'auto'
    try {
      return parseVectorizerSpec(text)
    } catch (error) {
      if (!(error instanceof PoaError)) throw error
      throw new CliUsageError({ option, value: text, expected: String(error.meta?.field === 'spec' ? error.meta.expected : `a vectoriser spec (${error.message})`) })
    }
  }
}

/** Class names separated by commas, at least two, distinct, none empty: `--labels a,b,c`. */
export function labelsOption(option: string): Parser<string[]> {
  return (text) => {
    const labels = text.split(',')
    if (labels.length < 2 || labels.some((l) => l === '') || new Set(labels).size !== labels.length) {
      throw new CliUsageError({ option, value: text, expected: 'at least two distinct, non-empty class names separated by commas' })
    }
    return labels
  }
}

/**
 * `--circuit auto|<set>` of the commands that record, prove or challenge a model's inferences: auto
 * (the default) takes the set of the model's k and its datanet's depth (prover/app/resolveCircuitSet.ts).
 */
export function circuitAutoOption(description: string): Option {
  return new Option('--circuit <set>', `${description}; auto: the set of the model's k and its datanet's depth`).choices(['auto', ...CIRCUIT_SET_NAMES]).default('auto')
}

/** The set a `--circuit` value names, or undefined for auto. */
export function circuitSetOf(value: string): CircuitSetName | undefined {
  return value === 'auto' ? undefined : (value as CircuitSetName)
}

/**
 * `--scoring auto|native|onnx`: which backend scores the index (prover/influence/scoringBackend.ts).
 * The choices are written out here: importing the influence index would load onnxruntime at start-up.
 */
export function scoringOption(): Option {
  return new Option(
    '--scoring <backend>',
    'scoring backend: native (SIMD kernel in worker threads), onnx (onnxruntime on --provider, exact float64 GEMM; cuda falls back to cpu), auto (onnx when --provider means CUDA and the CUDA provider opens, else native)',
  ).choices(['auto', 'native', 'onnx']).default('auto')
}

/** One line for the kernel a result was scored by (ScoringKernel), with any onnxruntime fallback. */
export function kernelText(kernel: { kind: string; isa?: string; provider?: string; fallbackReason?: string; reason?: string; onnxFallback?: string }): string {
  const what = kernel.kind === 'onnx' ? `onnxruntime ${kernel.provider}${kernel.fallbackReason ? ` (CUDA unavailable: ${kernel.fallbackReason})` : ''}`
    : kernel.kind === 'native' ? `the native kernel (${kernel.isa})` : `the JS kernel (${kernel.reason})`
  return kernel.onnxFallback ? `${what}; onnxruntime not used: ${kernel.onnxFallback}` : what
}
