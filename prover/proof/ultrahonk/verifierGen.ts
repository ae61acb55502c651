import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { FIELD_MODULUS } from '../../field/index.ts'
import { GENERATED_CONTRACTS_DIR, VerifierGenerationError, verifierTarget, writeVerifierFile } from '../verifierFile.ts'
import type { Hex, VerifierSource } from '../proofSystem.ts'
import { CrsBoundBackend } from './backend.ts'
import { ULTRAHONK_PROOF_BYTES, ULTRAHONK_PROOF_FIELDS } from './calldata.ts'
import { readVkHeader, ultrahonkCircuitId, type UltraHonkVerificationKey } from './circuitId.ts'
import { provingKeyCrs, readUltraHonkProvingKey } from './keys.ts'

/**
 * [tau]G2 of Aztec's Ignition CRS as bb.js 0.82's Solidity verifier hard-codes it in its final
 * pairing (EIP-197 order: x.c1, x.c0, y.c1, y.c0). A proof made with any other CRS fails that
 * pairing, so the generator swaps in the [tau]G2 of the CRS the keys were made from.
 */
const AZTEC_TAU_G2 = [
  '0x260e01b251f6f1c7e7ff4e580791dee8ea51d87a358e038b4efe30fac09383c1',
  '0x0118c4d5b837bcc2bc89b5b398b5974e9f5944073b32078b7e231fec938883b0',
  '0x04fc6369f7110fe3d25156c1bb9a72859cf2a04641f99ba4ee413c80da6a5fe4',
  '0x22febda3c0c0632a56475b4214e5615e11e6dd3f96e6cea2854a87d4dacc5e55',
]

/** [tau]G2 from bn254_g2.dat order (x.c0, x.c1, y.c0, y.c1) to the pairing precompile's (x.c1, x.c0, y.c1, y.c0). */
function eip197Words(g2: Hex): string[] {
  const w = g2.slice(2).match(/.{64}/g)!
  return [w[1], w[0], w[3], w[2]].map((x) => `0x${x}`)
}

/** Replace `from` by `to` in `text`, which must hold it exactly once: a bb.js upgrade that changes the verifier fails here, loudly. */
function editOnce(text: string, from: string, to: string, contractName: string): string {
  const hits = text.split(from).length - 1
  if (hits !== 1) throw new VerifierGenerationError({ circuitName: contractName, reason: `bb.js verifier: "${from}" found ${hits} times, expected once` })
  return text.replace(from, to)
}

function adapterSource(p: { contractName: string; honkName: string; interfaceImport: string; nPublic: number; circuitId: Hex }): string {
  return `
pragma solidity ^0.8.28;

import {IAttributionVerifier} from "${p.interfaceImport}";

/// @title ${p.contractName}
/// @notice The IAttributionVerifier of this circuit under UltraHonk (bb.js 0.82, keccak transcript):
///         checks the lengths, answers false for a public input outside the field, and asks the
///         UltraHonk verifier above, deployed by this contract's constructor, turning its reverts
///         into false.
/// @dev Generated with the verifier above by prover/proof/ultrahonk/verifierGen.ts; never edit.
///      An adapter and not an edit of bb.js's verifier: that verifier reads bytes32[] inputs and
///      reverts on a bad proof, and both stay as bb.js wrote them (its CRS point aside).
contract ${p.contractName} is IAttributionVerifier {
    /// @notice The UltraHonk verifier ran out of gas (a verification takes about 1.7M).
    /// @param gasLeft Gas this contract had left after the call.
    error UltraHonkVerifierOutOfGas(uint256 gasLeft);

    uint256 private constant PROOF_BYTES = ${ULTRAHONK_PROOF_BYTES};
    uint256 private constant INPUT_COUNT = ${p.nPublic};
    uint256 private constant R = ${FIELD_MODULUS};

    IVerifier private immutable _honk;

    constructor() {
        _honk = new ${p.honkName}();
    }

    /// @inheritdoc IAttributionVerifier
    function verify(bytes calldata proof, uint256[] calldata publicInputs) external view override returns (bool) {
        if (proof.length != PROOF_BYTES) revert AttributionVerifierProofLength(PROOF_BYTES, proof.length);
        if (publicInputs.length != INPUT_COUNT) revert AttributionVerifierInputCount(INPUT_COUNT, publicInputs.length);
        for (uint256 i = 0; i < INPUT_COUNT; ++i) {
            if (publicInputs[i] >= R) return false;
        }
        bytes32[] calldata inputs;
        // uint256[] and bytes32[] lay out the same words in calldata: pass the array as it came.
        assembly ("memory-safe") {
            inputs.offset := publicInputs.offset
            inputs.length := publicInputs.length
        }
        uint256 gasBefore = gasleft();
        try _honk.verify(proof, inputs) returns (bool valid) {
            return valid;
        } catch {
            // A failing proof reverts (SumcheckFailed, ShpleminiFailed, a point off the curve): false.
            // A call that ran out of gas leaves this contract under 1/64 of what it had (EIP-150):
            // revert then, so a caller short of gas is never told that a good proof is bad.
            if (gasleft() < gasBefore / 63) revert UltraHonkVerifierOutOfGas(gasleft());
            return false;
        }
    }

    /// @inheritdoc IAttributionVerifier
    function publicInputCount() external pure override returns (uint256) {
        return ${p.nPublic};
    }

    /// @inheritdoc IAttributionVerifier
    /// @dev keccak256(vk || [tau]G2) over bb.js's verification key bytes and the CRS point above.
    function circuitId() external pure override returns (bytes32) {
        return ${p.circuitId};
    }

    /// @notice The UltraHonk verifier this adapter calls. @return The verifier's address.
    function honkVerifier() external view returns (address) {
        return address(_honk);
    }
}
`
}

export type GenerateUltraHonkVerifierParameters = {
  /** Artefact name of the circuit; becomes part of the contract names. */
  circuitName: string
  /** The circuit's UltraHonk proving key (it holds the program and the verification key). */
  zkeyPath: string
  /** Output folder; default `contracts/generated/`. */
  outDir?: string
  /** Contract name of the adapter; default `AttributionVerifier_<circuitName>`. */
  contractName?: string
  /** Import path of IAttributionVerifier.sol as seen from the output folder. */
  interfaceImport?: string
}


/**
 * Write `<outDir>/<contractName>.sol`: bb.js's UltraHonk Solidity verifier for the keys
 * (`getSolidityVerifier(vk)`, its contract renamed `UltraHonkVerifier_<circuitName>`, the CRS's
 * [tau]G2 in its pairing) and the `IAttributionVerifier` adapter `<contractName>` that deploys and
 * calls it. Skipped when the file's header already names this proving key's hash. Compile the
 * contracts afterwards; the adapter alone is deployed (`deployVerifier`).
 */
export async function generateUltraHonkVerifier({
  circuitName, zkeyPath, outDir = GENERATED_CONTRACTS_DIR, contractName: nameOverride, interfaceImport = '../settlement/IAttributionVerifier.sol',
}: GenerateUltraHonkVerifierParameters): Promise<VerifierSource> {
  const file = existsSync(zkeyPath) ? readFileSync(zkeyPath) : Buffer.alloc(0)
  const zkeyHash = createHash('sha256').update(file).digest('hex')
  const target = verifierTarget({ circuitName, zkeyPath, outDir, contractName: nameOverride, interfaceImport, zkeyHash, keyLabel: 'proving key' })
  if (target.current) return target.current
  const { contractName, solPath } = target
  const honkName = `UltraHonkVerifier_${circuitName}`
  const pk = readUltraHonkProvingKey(zkeyPath, file)
  const vk = Buffer.from(pk.vk.slice(2), 'hex')
  const { nPublic, circuitSize } = readVkHeader(vk)
  const key: UltraHonkVerificationKey = { protocol: 'ultrahonk', curve: 'bn128', transcript: 'keccak', nPublic, circuitSize, vk: pk.vk, g2: pk.g2 }
  const circuitId = ultrahonkCircuitId(key)
  const backend = new CrsBoundBackend(pk.bytecode, provingKeyCrs(pk, zkeyPath), circuitName, 1)
  let honk: string
  try {
    // Typed string, but bb.js 0.82 hands back the source's bytes.
    const source: string | Uint8Array = await backend.getSolidityVerifier(vk)
    honk = typeof source === 'string' ? source : Buffer.from(source).toString('utf8')
  } finally {
    await backend.destroy()
  }
  // The adapter's constants must be the verifier's: its input count, and the proof length poa checks off-chain too.
  for (const line of [`uint256 constant NUMBER_OF_PUBLIC_INPUTS = ${nPublic};`, `uint256 constant PROOF_SIZE = ${ULTRAHONK_PROOF_FIELDS};`]) honk = editOnce(honk, line, line, contractName)
  honk = editOnce(honk, 'contract HonkVerifier is BaseHonkVerifier(', `contract ${honkName} is BaseHonkVerifier(`, contractName)
  const ours = eip197Words(pk.g2)
  AZTEC_TAU_G2.forEach((word, i) => {
    honk = editOnce(honk, `uint256(${word})`, `uint256(${ours[i]}) /* poa CRS [tau]G2 */`, contractName)
  })
  const adapter = adapterSource({ contractName, honkName, interfaceImport, nPublic: key.nPublic, circuitId })
  writeVerifierFile({ solPath, body: `${honk}\n${adapter}`, generator: 'prover/proof/ultrahonk/verifierGen.ts', keyLabel: 'proving key', circuitName, stamp: target.stamp })
  return { contractName, solPath, zkeyHash, publicInputCount: key.nPublic, circuitId, changed: true }
}
