import { attributionPublicInputLayout } from '../circuitParams.ts'
import type { ProofSystem } from '../proofSystem.ts'
import { groth16Calldata, groth16ProofOfCalldata } from './calldata.ts'
import { groth16CircuitId } from './circuitId.ts'

/**
 * Groth16 over BN254 with snarkjs: per-circuit keys from a prepared powers of tau, 256-byte proofs,
 * verifiers generated from snarkjs's Solidity template. snarkjs (and its worker threads) is loaded
 * by the first call that needs it (setup, prove, verify, verifier generation), never by importing
 * this module: a CLI command that only reads the chain does not pay for it.
 */
const system: ProofSystem = {
  name: 'groth16',
  async setupKeys(p) {
    return (await import('./keys.ts')).setupGroth16Keys(p)
  },
  async loadKeys(p) {
    return (await import('./keys.ts')).loadGroth16Keys(p)
  },
  async prove(p) {
    return (await import('../proveAttribution.ts')).proveAttribution(p)
  },
  async proveInput(p) {
    return (await import('../proveInput.ts')).proveInput(p)
  },
  async verify(p) {
    return (await import('./verify.ts')).verifyGroth16(p)
  },
  calldata: groth16Calldata,
  proofOfCalldata: groth16ProofOfCalldata,
  async verifierSource({ circuitName, keys, outDir, contractName }) {
    return (await import('./verifierGen.ts')).generateVerifier({ circuitName, zkeyPath: keys.zkeyPath, outDir, contractName })
  },
  circuitId: groth16CircuitId,
  publicInputLayout: attributionPublicInputLayout,
  async release() {
    // Nothing to free unless snarkjs built its curve; checking first keeps snarkjs unloaded.
    if ((globalThis as any).curve_bn128) await (await import('../curve.ts')).releaseCurve()
  },
}

/** The Groth16 proof system (frozen: a registry entry nobody can retune). */
export const groth16: ProofSystem = Object.freeze(system)
