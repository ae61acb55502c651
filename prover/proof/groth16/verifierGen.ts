import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { keccak256, toUtf8Bytes } from 'ethers'
import { PoaError } from '../../errors/index.ts'
import { releaseCurve } from '../curve.ts'
import { packagePath } from '../../layout/index.ts'

const require = createRequire(import.meta.url)

/** snarkjs's package exports hide its templates; its CommonJS entry is build/main.cjs, one level below the root. */
const SNARKJS_GROTH16_TEMPLATE = join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs')

/** Where generated verifier sources go (git-ignored: they change with every fresh dev setup). */
export const GENERATED_CONTRACTS_DIR = packagePath('contracts', 'generated')

/** A circuit name cannot become a Solidity identifier, or a template edit broke the generator. */
export class VerifierGenerationError extends PoaError {
  constructor({ circuitName, reason }: { circuitName: string; reason: string }) {
    super('VERIFIER_GENERATION_FAILED', 'INTERNAL', `cannot generate the verifier of ${circuitName}: ${reason}`, {
      meta: { circuitName },
    })
  }
}

export type GenerateVerifierParameters = {
  /** Artefact name of the circuit, for example `attribution_d8_k8_K3`; becomes part of the contract name. */
  circuitName: string
  /** The circuit's Groth16 proving key (its verification key is read from it). */
  zkeyPath: string
  /** Output folder; default `contracts/generated/`. */
  outDir?: string
}

export type GenerateVerifierReturnType = {
  /** `AttributionVerifier_<circuitName>`. */
  contractName: string
  /** Path of the generated .sol file. */
  solPath: string
  /** sha256 of the zkey, written into the file's header. */
  zkeyHash: string
  /** 5 + K. */
  publicInputCount: number
  /** False when the file already held a verifier for this exact zkey and was left untouched. */
  changed: boolean
}

/** The settlement's id of a circuit: keccak256 of its artefact name (what `setVerifier` is keyed by). */
export function circuitIdOf(circuitName: string): string {
  return keccak256(toUtf8Bytes(circuitName))
}

export function verifierContractName(circuitName: string): string {
  return `AttributionVerifier_${circuitName}`
}

/**
 * The snarkjs Groth16 template, turned into an `IAttributionVerifier`: the public inputs become a
 * dynamic calldata array (length checked against N), so the settlement calls every circuit through
 * one interface without an adapter contract and its extra call. Each edit must hit exactly once; a
 * snarkjs upgrade that changes the template makes generation fail loudly instead of emitting a
 * verifier that silently reads the wrong calldata.
 */
function attributionTemplate(contractName: string): string {
  let text = readFileSync(SNARKJS_GROTH16_TEMPLATE, 'utf8')
  const edits: [string | RegExp, string][] = [
    ['pragma solidity >=0.7.0 <0.9.0;', 'pragma solidity ^0.8.28;\n\nimport {IAttributionVerifier} from "../settlement/IAttributionVerifier.sol";'],
    ['contract Groth16Verifier {', `contract ${contractName} is IAttributionVerifier {`],
    [
      'uint[<%=IC.length-1%>] calldata _pubSignals) public view returns (bool) {',
      'uint[] calldata _pubSignals) external view override returns (bool) {\n' +
        '        if (_pubSignals.length != <%=IC.length-1%>) revert AttributionVerifierInputCount(<%=IC.length-1%>, _pubSignals.length);',
    ],
    ['checkField(calldataload(add(_pubSignals, <%=i*32%>)))', 'checkField(calldataload(add(_pubSignals.offset, <%=i*32%>)))'],
    ['checkPairing(_pA, _pB, _pC, _pubSignals, pMem)', 'checkPairing(_pA, _pB, _pC, _pubSignals.offset, pMem)'],
    [
      '    // Memory data',
      '    /// @inheritdoc IAttributionVerifier\n' +
        '    function publicInputCount() external pure override returns (uint256) {\n' +
        '        return <%=IC.length-1%>;\n    }\n\n    // Memory data',
    ],
  ]
  for (const [from, to] of edits) {
    const hits = text.split(from as string).length - 1
    if (hits !== 1) throw new VerifierGenerationError({ circuitName: contractName, reason: `snarkjs template: "${from}" found ${hits} times, expected once` })
    text = text.replace(from, to)
  }
  return text
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/**
 * Generate `contracts/generated/AttributionVerifier_<circuitName>.sol` from a zkey with snarkjs
 * (`zKey.exportSolidityVerifier` on our edited template). Deterministic for a given zkey; skipped
 * when the file's header already names this zkey's hash. Call it before compiling the contracts.
 */
export async function generateVerifier({ circuitName, zkeyPath, outDir = GENERATED_CONTRACTS_DIR }: GenerateVerifierParameters): Promise<GenerateVerifierReturnType> {
  if (!/^[A-Za-z0-9_]+$/.test(circuitName)) {
    throw new VerifierGenerationError({ circuitName, reason: 'the name must match [A-Za-z0-9_]+ to become a Solidity identifier' })
  }
  if (!existsSync(zkeyPath)) throw new VerifierGenerationError({ circuitName, reason: `zkey ${zkeyPath} does not exist` })
  const contractName = verifierContractName(circuitName)
  const solPath = join(outDir, `${contractName}.sol`)
  const zkeyHash = sha256File(zkeyPath)
  const stamp = `// zkey sha256: ${zkeyHash}`
  if (existsSync(solPath)) {
    const existing = readFileSync(solPath, 'utf8')
    const count = /return (\d+);/.exec(existing)
    if (existing.includes(stamp) && count) return { contractName, solPath, zkeyHash, publicInputCount: Number(count[1]), changed: false }
  }
  let body: string
  try {
    body = await snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: attributionTemplate(contractName) })
  } finally {
    await releaseCurve()
  }
  const count = /return (\d+);/.exec(body)
  if (!count) throw new VerifierGenerationError({ circuitName, reason: 'the generated source has no publicInputCount' })
  const header =
    `// GENERATED by prover/proof/groth16/verifierGen.ts from the circuit's zkey. DO NOT EDIT: regenerate instead.\n` +
    `// circuit: ${circuitName}\n${stamp}\n`
  mkdirSync(outDir, { recursive: true })
  const tmp = `${solPath}.tmp-${process.pid}`
  // The SPDX line must stay first for solc, so the header goes right after it.
  const [spdx, ...rest] = body.split('\n')
  writeFileSync(tmp, `${spdx}\n${header}${rest.join('\n')}`)
  renameSync(tmp, solPath)
  return { contractName, solPath, zkeyHash, publicInputCount: Number(count[1]), changed: true }
}
