import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { PoaError } from '../../errors/index.ts'
import { withCurve } from '../curve.ts'
import type { Hex, VerifierSource } from '../proofSystem.ts'
import { groth16CircuitId } from './circuitId.ts'
import { PACKAGE_ROOT } from '../../layout/index.ts'

const require = createRequire(import.meta.url)

/** snarkjs's package exports hide its templates; its CommonJS entry is build/main.cjs, one level below the root. */
const SNARKJS_GROTH16_TEMPLATE = join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs')

/** Where generated verifier sources go (git-ignored: they change with every fresh dev setup). */
export const GENERATED_CONTRACTS_DIR = join(PACKAGE_ROOT, 'contracts', 'generated')

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
  /** Contract name; default `AttributionVerifier_<circuitName>` (a ceremony export uses `Groth16Verifier_<circuit>`). */
  contractName?: string
  /**
   * Import path of IAttributionVerifier.sol as seen from the output folder; default
   * `../settlement/IAttributionVerifier.sol` (right for contracts/generated/).
   */
  interfaceImport?: string
}

/** What generation returns: the proof system's `VerifierSource` (contract name, path, zkey hash, input count, circuit id). */
export type GenerateVerifierReturnType = VerifierSource

export function verifierContractName(circuitName: string): string {
  return `AttributionVerifier_${circuitName}`
}

/**
 * The snarkjs Groth16 template, turned into an `IAttributionVerifier` (the Groth16 adapter, with no
 * adapter contract and no extra call): `verify(bytes proof, uint[] publicInputs)` points the
 * template's calldata pointers _pA, _pB, _pC into the 256 proof bytes (abi.encode(a, b, c) lays the
 * 8 words out exactly as the three static arrays were), the public inputs become a dynamic array
 * (length checked against N), and `circuitId()` returns the id over the key. Each edit must hit
 * exactly once; a snarkjs upgrade that changes the template makes generation fail loudly instead of
 * emitting a verifier that silently reads the wrong calldata.
 */
function attributionTemplate(contractName: string, interfaceImport: string, circuitId: Hex): string {
  let text = readFileSync(SNARKJS_GROTH16_TEMPLATE, 'utf8')
  const edits: [string, string][] = [
    ['pragma solidity >=0.7.0 <0.9.0;', `pragma solidity ^0.8.28;\n\nimport {IAttributionVerifier} from "${interfaceImport}";`],
    ['contract Groth16Verifier {', `contract ${contractName} is IAttributionVerifier {`],
    [
      'function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[<%=IC.length-1%>] calldata _pubSignals) public view returns (bool) {',
      '/// @inheritdoc IAttributionVerifier\n' +
        '    function verify(bytes calldata proof, uint[] calldata _pubSignals) external view override returns (bool) {\n' +
        '        if (proof.length != 256) revert AttributionVerifierProofLength(256, proof.length);\n' +
        '        if (_pubSignals.length != <%=IC.length-1%>) revert AttributionVerifierInputCount(<%=IC.length-1%>, _pubSignals.length);',
    ],
    [
      'let pMem := mload(0x40)',
      '// A (2 words), B (4 words, EIP-197 order), C (2 words), as abi.encode(a, b, c) wrote them.\n' +
        '            let _pA := proof.offset\n            let _pB := add(proof.offset, 64)\n            let _pC := add(proof.offset, 192)\n' +
        '            let pMem := mload(0x40)',
    ],
    ['checkField(calldataload(add(_pubSignals, <%=i*32%>)))', 'checkField(calldataload(add(_pubSignals.offset, <%=i*32%>)))'],
    ['checkPairing(_pA, _pB, _pC, _pubSignals, pMem)', 'checkPairing(_pA, _pB, _pC, _pubSignals.offset, pMem)'],
    [
      '    // Memory data',
      '    /// @inheritdoc IAttributionVerifier\n' +
        '    function publicInputCount() external pure override returns (uint256) {\n' +
        '        return <%=IC.length-1%>;\n    }\n\n' +
        '    /// @inheritdoc IAttributionVerifier\n' +
        '    function circuitId() external pure override returns (bytes32) {\n' +
        `        return ${circuitId};\n    }\n\n    // Memory data`,
    ],
  ]
  for (const [from, to] of edits) {
    const hits = text.split(from).length - 1
    if (hits !== 1) throw new VerifierGenerationError({ circuitName: contractName, reason: `snarkjs template: "${from}" found ${hits} times, expected once` })
    text = text.replace(from, to)
  }
  return text
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

const COUNT_RE = /function publicInputCount\(\)[^{]*\{\s*return (\d+);/
const ID_RE = /function circuitId\(\)[^{]*\{\s*return (0x[0-9a-f]{64});/

/**
 * Generate `contracts/generated/AttributionVerifier_<circuitName>.sol` from a zkey with snarkjs
 * (`zKey.exportSolidityVerifier` on our edited template). Deterministic for a given zkey; skipped
 * when the file's header already names this zkey's hash. Call it before compiling the contracts.
 */
export async function generateVerifier({
  circuitName, zkeyPath, outDir = GENERATED_CONTRACTS_DIR, contractName: nameOverride, interfaceImport = '../settlement/IAttributionVerifier.sol',
}: GenerateVerifierParameters): Promise<GenerateVerifierReturnType> {
  if (!/^[A-Za-z0-9_]+$/.test(circuitName)) {
    throw new VerifierGenerationError({ circuitName, reason: 'the name must match [A-Za-z0-9_]+ to become a Solidity identifier' })
  }
  if (!existsSync(zkeyPath)) throw new VerifierGenerationError({ circuitName, reason: `zkey ${zkeyPath} does not exist` })
  const contractName = nameOverride ?? verifierContractName(circuitName)
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contractName)) throw new VerifierGenerationError({ circuitName, reason: `contract name "${contractName}" is not a Solidity identifier` })
  const solPath = join(outDir, `${contractName}.sol`)
  const zkeyHash = sha256File(zkeyPath)
  const stamp = `// zkey sha256: ${zkeyHash}`
  if (existsSync(solPath)) {
    const existing = readFileSync(solPath, 'utf8')
    const count = COUNT_RE.exec(existing)
    const id = ID_RE.exec(existing)
    if (existing.includes(stamp) && existing.includes(`from "${interfaceImport}"`) && count && id) {
      return { contractName, solPath, zkeyHash, publicInputCount: Number(count[1]), circuitId: id[1] as Hex, changed: false }
    }
  }
  const body: string = await withCurve(async () => {
    const circuitId = groth16CircuitId(await snarkjs.zKey.exportVerificationKey(zkeyPath))
    return snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: attributionTemplate(contractName, interfaceImport, circuitId) })
  })
  const count = COUNT_RE.exec(body)
  const id = ID_RE.exec(body)
  if (!count || !id) throw new VerifierGenerationError({ circuitName, reason: 'the generated source has no publicInputCount or circuitId' })
  const header =
    `// GENERATED by prover/proof/groth16/verifierGen.ts from the circuit's zkey. DO NOT EDIT: regenerate instead.\n` +
    `// circuit: ${circuitName}\n${stamp}\n`
  mkdirSync(outDir, { recursive: true })
  const tmp = `${solPath}.tmp-${process.pid}`
  // The SPDX line must stay first for solc, so the header goes right after it.
  const [spdx, ...rest] = body.split('\n')
  writeFileSync(tmp, `${spdx}\n${header}${rest.join('\n')}`)
  renameSync(tmp, solPath)
  return { contractName, solPath, zkeyHash, publicInputCount: Number(count[1]), circuitId: id[1] as Hex, changed: true }
}
