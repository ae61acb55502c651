import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { withCurve } from '../curve.ts'
import type { Hex, VerifierSource } from '../proofSystem.ts'
import { groth16CircuitId } from './circuitId.ts'
import { GENERATED_CONTRACTS_DIR, VerifierGenerationError, verifierConstants, verifierContractName, verifierTarget, writeVerifierFile } from '../verifierFile.ts'

const require = createRequire(import.meta.url)

/** snarkjs's package exports hide its templates; its CommonJS entry is build/main.cjs, one level below the root. */
const SNARKJS_GROTH16_TEMPLATE = join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs')

// The names and file handling every system's generator shares (re-exported: callers import them from here).
export { GENERATED_CONTRACTS_DIR, VerifierGenerationError, verifierContractName }

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


/**
 * Generate `contracts/generated/AttributionVerifier_<circuitName>.sol` from a zkey with snarkjs
 * (`zKey.exportSolidityVerifier` on our edited template). Deterministic for a given zkey; skipped
 * when the file's header already names this zkey's hash. Call it before compiling the contracts.
 */
export async function generateVerifier({
  circuitName, zkeyPath, outDir = GENERATED_CONTRACTS_DIR, contractName, interfaceImport = '../settlement/IAttributionVerifier.sol',
}: GenerateVerifierParameters): Promise<GenerateVerifierReturnType> {
  const zkeyHash = existsSync(zkeyPath) ? sha256File(zkeyPath) : ''
  const target = verifierTarget({ circuitName, zkeyPath, outDir, contractName, interfaceImport, zkeyHash, keyLabel: 'zkey' })
  if (target.current) return target.current
  const body: string = await withCurve(async () => {
    const circuitId = groth16CircuitId(await snarkjs.zKey.exportVerificationKey(zkeyPath))
    return snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: attributionTemplate(target.contractName, interfaceImport, circuitId) })
  })
  const constants = verifierConstants(body)
  if (!constants) throw new VerifierGenerationError({ circuitName, reason: 'the generated source has no publicInputCount or circuitId' })
  writeVerifierFile({ solPath: target.solPath, body, generator: 'prover/proof/groth16/verifierGen.ts', keyLabel: 'zkey', circuitName, stamp: target.stamp })
  return { contractName: target.contractName, solPath: target.solPath, zkeyHash, ...constants, changed: true }
}
