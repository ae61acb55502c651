import { PoaError } from '../errors/index.ts'
import { groth16 } from './groth16/groth16System.ts'
import type { ProofSystem } from './proofSystem.ts'
import { ultrahonk } from './ultrahonk/ultrahonkSystem.ts'
import { DEFAULT_PROOF_SYSTEM, PROOF_SYSTEM_NAMES, type ProofSystemName } from './proofSystemNames.ts'

/**
 * The proof systems poa can use, by name. Adding one is a folder implementing `ProofSystem` and a
 * line here (its key is its name everywhere: packages, keys, `getProofSystem`). The entries load
 * their prover library lazily, so this lookup is cheap to import.
 */
const REGISTRY = Object.freeze({
  groth16,
  ultrahonk,
} satisfies Record<ProofSystemName, ProofSystem>)

export { PROOF_SYSTEM_NAMES, DEFAULT_PROOF_SYSTEM, type ProofSystemName }


/** A proof system name poa does not know (a typo, or a package from a newer poa). */
export class UnknownProofSystemError extends PoaError {
  constructor({ name }: { name: unknown }) {
    super('PROOF_SYSTEM_UNKNOWN', 'BAD_INPUT', `proof system ${JSON.stringify(name) ?? String(name)} is not one of ${PROOF_SYSTEM_NAMES.join(', ')}`, {
      meta: { name: String(name), known: PROOF_SYSTEM_NAMES },
    })
  }
}

/** True when `name` is a registered proof system. */
export function isProofSystemName(name: unknown): name is ProofSystemName {
  return typeof name === 'string' && Object.hasOwn(REGISTRY, name)
}

/** The proof system called `name`; throws UnknownProofSystemError for any other name. */
export function getProofSystem(name: unknown): ProofSystem {
  if (!isProofSystemName(name)) throw new UnknownProofSystemError({ name })
  return REGISTRY[name]
}

/** Free every system's shared prover state (after a batch run with `keepCurve`), so the process can exit. */
export async function releaseProofSystems(): Promise<void> {
  await Promise.all(Object.values(REGISTRY).map((system) => system.release()))
}
