import { existsSync } from 'node:fs'
import { INCLUSION_PROOF_FORMAT } from '../datanet/inclusionProof.ts'
import { buildLayout } from '../layout/index.ts'
import { ProofRejectedError } from '../proof/errors.ts'
import { verifyProofPackage } from '../proof/verifyProofPackage.ts'
import type { AppFolders } from './appOptions.ts'
import { InputFileError, readJsonFile } from './readJsonFile.ts'

/** Options of verifyProofFile. */
export type VerifyProofFileParameters = Pick<AppFolders, 'buildDir'> & {
  /** Proof package JSON written by `poa prove`. */
  file: string
  /** Verification key JSON (default: the dev key of the package's system beside the compiled circuit in `buildDir`). */
  vkey?: string
}

export type VerifyProofFileReturnType = { valid: true; circuit: string; publicInputs: unknown; vkeyPath: string }

/** Verify a proof package against its verification key; a proof that fails is a ProofRejectedError (exit 4). */
export async function verifyProofFile(p: VerifyProofFileParameters): Promise<VerifyProofFileReturnType> {
  const pkg = (await readJsonFile(p.file)) as any
  // A datanet inclusion proof is no SNARK: say which command checks it instead of "no verification key".
  if (typeof pkg?.format === 'string' && (pkg.format === INCLUSION_PROOF_FORMAT || pkg.format.startsWith('poa-datanet-inclusion-'))) {
    throw new InputFileError({ file: p.file, reason: 'is a datanet inclusion proof (poa datanet prove), not a proof package: check it with `poa datanet verify`' })
  }
  const name = typeof pkg?.circuit?.name === 'string' ? pkg.circuit.name : undefined
  const layout = buildLayout(p.buildDir)
  const vkeyPath = p.vkey ?? (name ? (pkg.system === 'ultrahonk' ? layout.devHonkVkeyPath(name) : layout.devVkeyPath(name)) : undefined)
  if (!vkeyPath || !existsSync(vkeyPath)) {
    throw new InputFileError({ file: vkeyPath ?? '(verification key)', reason: 'no verification key: pass --vkey, or prove once so the dev key exists' })
  }
  const result = await verifyProofPackage(pkg, (await readJsonFile(vkeyPath)) as any)
  if (!result.valid) throw new ProofRejectedError({ circuit: result.circuit, reason: `does not verify against ${vkeyPath}` })
  return { valid: true, circuit: result.circuit, publicInputs: pkg.publicInputs, vkeyPath }
}
