import { readFile } from 'node:fs/promises'
import { toChecksumAddress } from '../field/index.ts'
import { ProofPackageError } from '../proof/errors.ts'
import { toSolidityCalldata, type ProofPackage } from '../proof/proofPackage.ts'
import { settleProofPackage, type SettleInferenceReturnType } from '../clients/settlementClient.ts'
import type { AppChain, AppFolders, AppReporting } from './appOptions.ts'
import { settlementAddress, signerOf } from './settlementAddress.ts'
import { withChainSession } from './withChainSession.ts'

/** Options of settleProofFile. */
export type SettleProofFileParameters = Pick<AppFolders, 'home'> & AppChain & Pick<AppReporting, 'onProgress'> & {
  /** A proof package JSON written by `poa prove`. */
  file: string
  /** The inference (default: the one named in the package). */
  inferenceId?: string
  /** Who gets the prover fee (default: the package's prover, else the sender). */
  prover?: string
  /** Sender: an embedded-chain account index or a private key (default: the chain's signer). */
  account?: number | string
}

export type SettleProofFileReturnType = SettleInferenceReturnType & { inferenceId: string }

/** Read a proof package, check it before connecting, and settle it: the verifier checks the proof, then the split is credited. */
export async function settleProofFile(p: SettleProofFileParameters): Promise<SettleProofFileReturnType> {
  let pkg: ProofPackage
  try {
    pkg = JSON.parse(await readFile(p.file, 'utf8')) as ProofPackage
  } catch (cause) {
    throw new ProofPackageError({ field: `(file ${p.file})`, expected: 'a readable JSON proof package', got: (cause as Error).message })
  }
  toSolidityCalldata(pkg) // check the package before connecting to the chain
  const inferenceId = p.inferenceId ?? pkg.commitments?.inferenceId
  if (inferenceId === undefined) throw new ProofPackageError({ field: 'commitments.inferenceId', expected: 'the inference id (or pass --inference-id)', got: undefined })
  const prover = p.prover === undefined ? undefined : toChecksumAddress(p.prover, '--prover')
  return withChainSession(p, async (chain) => {
    const result = await settleProofPackage({ settlement: settlementAddress(chain), signer: signerOf(chain, p.account), pkg, inferenceId, prover })
    return { inferenceId, ...result }
  })
}
