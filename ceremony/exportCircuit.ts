import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { solidityPackedKeccak256 } from 'ethers'
import * as snarkjs from 'snarkjs'
import { withCurve } from '../prover/proof/curve.ts'
import { CeremonyStateError } from './errors.ts'
import { writeFileAtomic } from './files.ts'
import { checkCircuitName, phase2Dir, resolveIn } from './layout.ts'
import type { StepControl } from './progress.ts'
import { withCeremony } from './stepRunner.ts'
import { chainOf, readTranscript } from './transcript.ts'
import { verifyPhase2Chain } from './verifyChain.ts'

const require = createRequire(import.meta.url)

export type ExportCircuitReturnType = {
  circuit: string
  /** keccak256 over the verification key's words, 0x-prefixed: what settlement contracts reference. */
  circuitId: string
  verificationKey: any
  verificationKeyPath: string
  solidityVerifierPath: string
  circuitIdPath: string
  zkeyPath: string
  zkeySha256: string
}

/**
 * The circuit identifier: keccak256 of the verification key as 32-byte big-endian words, in the
 * order the generated Groth16Verifier stores its constants: alpha1 (x, y); beta2, gamma2, delta2
 * each as (x.c1, x.c0, y.c1, y.c0), the imaginary part first as the EVM pairing precompile wants;
 * then IC[0..nPublic] (x, y). Solidity recomputes it as keccak256(abi.encodePacked(alphax, alphay,
 * betax1, betax2, betay1, betay2, gammax1, ..., deltay2, IC0x, IC0y, ...)) from the verifier's own
 * constants, so a contract can check that a verifier is the one this ceremony produced.
 */
export function circuitIdFromVerificationKey(vkey: any): string {
  const g2 = (p: string[][]) => [p[0][1], p[0][0], p[1][1], p[1][0]]
  const words: string[] = [
    vkey.vk_alpha_1[0], vkey.vk_alpha_1[1],
    ...g2(vkey.vk_beta_2), ...g2(vkey.vk_gamma_2), ...g2(vkey.vk_delta_2),
    ...vkey.IC.flatMap((p: string[]) => [p[0], p[1]]),
  ]
  return solidityPackedKeccak256(words.map(() => 'uint256'), words.map((w) => BigInt(w)))
}

/** The snarkjs Groth16 Solidity template, read from the installed snarkjs (the one the CLI uses). */
function groth16Template(): string {
  return readFileSync(join(dirname(dirname(require.resolve('snarkjs'))), 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
}

/**
 * Export a finalized circuit: `verification_key.json`, `Groth16Verifier.sol` and
 * `circuit_id.json` beside its zkeys. Verifies the chain first (snarkjs part skipped for a final
 * zkey this machine already verified), writes each file atomically.
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
    const solidity: string = await snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: groth16Template() })
    const circuitId = circuitIdFromVerificationKey(verificationKey)
    const out = resolveIn(p.dir, phase2Dir(p.circuit))
    const paths = {
      verificationKeyPath: join(out, 'verification_key.json'),
      solidityVerifierPath: join(out, 'Groth16Verifier.sol'),
      circuitIdPath: join(out, 'circuit_id.json'),
    }
    writeFileAtomic(paths.verificationKeyPath, `${JSON.stringify(verificationKey, null, 1)}\n`)
    writeFileAtomic(paths.solidityVerifierPath, solidity)
    writeFileAtomic(paths.circuitIdPath, `${JSON.stringify({
      circuit: p.circuit, circuitId, zkeySha256: last.fileSha256, nPublic: verificationKey.nPublic,
      definition: 'keccak256(abi.encodePacked(alpha1.xy, beta2, gamma2, delta2 as (x.c1, x.c0, y.c1, y.c0), IC[i].xy)) over uint256 words',
      label: readTranscript(p.dir).label,
    }, null, 2)}\n`)
    return { circuit: p.circuit, circuitId, verificationKey, ...paths, zkeyPath, zkeySha256: last.fileSha256 }
  }))
}
