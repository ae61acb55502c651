import { attributionPublicInputLayout } from '../circuitParams.ts'
import type { ProofSystem } from '../proofSystem.ts'
import { ultrahonkCalldata, ultrahonkProofOfCalldata } from './calldata.ts'
import { ultrahonkCircuitId } from './circuitId.ts'

/**
 * UltraHonk over BN254 with bb.js 0.82 (Noir programs compiled by noir_wasm, witnesses by noir_js):
 * a universal setup (keys from a CRS exported from poa's own powers of tau, never a downloaded
 * one), proofs with the keccak transcript the EVM verifier recomputes (14,080 bytes), verifiers from
 * bb.js's Solidity generator behind an IAttributionVerifier adapter. bb.js and noir_js load on the
 * first call that needs them, never when this module is imported.
 */
let verifierLoaded = false

const system: ProofSystem = {
  name: 'ultrahonk',
  async setupKeys(p) {
    return (await import('./keys.ts')).setupUltraHonkKeys(p)
  },
  async loadKeys(p) {
    return (await import('./keys.ts')).loadUltraHonkKeys(p)
  },
  async prove(p) {
    return (await import('./prove.ts')).proveUltraHonkAttribution(p)
  },
  async proveInput(p) {
    return (await import('./prove.ts')).proveUltraHonkInput(p)
  },
  async verify(p) {
    verifierLoaded = true
    return (await import('./verify.ts')).verifyUltraHonk(p)
  },
  calldata: ultrahonkCalldata,
  proofOfCalldata: ultrahonkProofOfCalldata,
  async verifierSource({ circuitName, keys, outDir, contractName }) {
    return (await import('./verifierGen.ts')).generateUltraHonkVerifier({ circuitName, zkeyPath: keys.zkeyPath, outDir, contractName })
  },
  circuitId: ultrahonkCircuitId,
  publicInputLayout: attributionPublicInputLayout,
  async release() {
    // Only verify keeps an instance; checking first keeps bb.js unloaded.
    if (verifierLoaded) await (await import('./verify.ts')).releaseUltraHonk()
  },
}

/** The UltraHonk proof system (frozen: a registry entry nobody can retune). */
export const ultrahonk: ProofSystem = Object.freeze(system)
