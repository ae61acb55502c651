import { renameSync } from 'node:fs'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { withCurve } from '../prover/proof/curve.ts'
import { groth16CircuitId, GROTH16_CIRCUIT_ID_DEFINITION } from '../prover/proof/groth16/circuitId.ts'
import { generateVerifier } from '../prover/proof/groth16/verifierGen.ts'
import { CeremonyStateError } from './errors.ts'
import { writeFileAtomic } from './files.ts'
import { checkCircuitName, phase2Dir, resolveIn } from './layout.ts'
import type { StepControl } from './progress.ts'
import { withCeremony } from './stepRunner.ts'
import { chainOf, readTranscript } from './transcript.ts'
import { verifyPhase2Chain } from './verifyChain.ts'

export type ExportCircuitReturnType = {
  circuit: string
  /** keccak256 over the verification key's words, 0x-prefixed: what the settlement keys verifiers by. */
  circuitId: string
  /** The exported verifier's contract name, `Groth16Verifier_<circuit>` (an IAttributionVerifier). */
  verifierContractName: string
  verificationKey: any
  verificationKeyPath: string
  solidityVerifierPath: string
  circuitIdPath: string
  zkeyPath: string
  zkeySha256: string
}

/**
 * The circuit identifier over a Groth16 verification key (prover/proof/groth16/circuitId.ts: the
 * one function the ceremony, the generated verifiers and the settlement path share).
 */
export const circuitIdFromVerificationKey = groth16CircuitId

/**
 * Export a finalized circuit: `verification_key.json`, `Groth16Verifier.sol` and
 * `circuit_id.json` beside its zkeys. Verifies the chain first (snarkjs part skipped for a final
 * zkey this machine already verified), writes each file atomically. The verifier is the one poa
 * generates for its dev keys (contract `Groth16Verifier_<circuit>`, an IAttributionVerifier whose
 * `circuitId()` is the exported id): copied into `contracts/generated/` it compiles with the
 * settlement and `setVerifier(circuitId, verifier)` approves it.
 */
export async function exportCircuit(p: { dir: string; circuit: string } & StepControl): Promise<ExportCircuitReturnType> {
  checkCircuitName(p.circuit)
  return withCurve(() => withCeremony(p.dir, p, async () => {
    const chain = chainOf(readTranscript(p.dir), 2, p.circuit)
    const last = chain.at(-1)
    if (last?.step !== 'finalize') throw new CeremonyStateError({ step: 'export', dir: p.dir, reason: `circuit "${p.circuit}" is not finalized (run \`poa ceremony finalize\`)` })
    await verifyPhase2Chain(p.dir, p.circuit, p)
    const zkeyPath = resolveIn(p.dir, last.file)
    const verificationKey = await snarkjs.zKey.exportVerificationKey(zkeyPath)
    const circuitId = groth16CircuitId(verificationKey)
    const out = resolveIn(p.dir, phase2Dir(p.circuit))
    const verifierContractName = `Groth16Verifier_${p.circuit.replace(/[^A-Za-z0-9_]/g, '_')}`
    const paths = {
      verificationKeyPath: join(out, 'verification_key.json'),
      solidityVerifierPath: join(out, 'Groth16Verifier.sol'),
      circuitIdPath: join(out, 'circuit_id.json'),
    }
    writeFileAtomic(paths.verificationKeyPath, `${JSON.stringify(verificationKey, null, 1)}\n`)
    const generated = await generateVerifier({ circuitName: p.circuit.replace(/[^A-Za-z0-9_]/g, '_'), zkeyPath, outDir: out, contractName: verifierContractName })
    renameSync(generated.solPath, paths.solidityVerifierPath)
    writeFileAtomic(paths.circuitIdPath, `${JSON.stringify({
      circuit: p.circuit, circuitId, zkeySha256: last.fileSha256, nPublic: verificationKey.nPublic,
      definition: GROTH16_CIRCUIT_ID_DEFINITION, verifierContract: verifierContractName,
      label: readTranscript(p.dir).label,
    }, null, 2)}\n`)
    return { circuit: p.circuit, circuitId, verifierContractName, verificationKey, ...paths, zkeyPath, zkeySha256: last.fileSha256 }
  }))
}
