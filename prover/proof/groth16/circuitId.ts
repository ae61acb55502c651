import { solidityPackedKeccak256 } from 'ethers'
import type { Hex } from '../proofSystem.ts'

/**
 * The circuit id of a Groth16 verification key: keccak256 of the key as 32-byte big-endian words,
 * in the order the generated verifier stores its constants: alpha1 (x, y); beta2, gamma2, delta2
 * each as (x.c1, x.c0, y.c1, y.c0), the imaginary part first as the EVM pairing precompile wants;
 * then IC[0..nPublic] (x, y). One id for the ceremony's circuit_id.json, the generated verifier's
 * `circuitId()` and the settlement's verifier table: a new setup is a new id, so approving it never
 * replaces the verifier that inferences recorded under the old setup need.
 */
export function groth16CircuitId(vkey: any): Hex {
  const g2 = (p: string[][]) => [p[0][1], p[0][0], p[1][1], p[1][0]]
  const words: string[] = [
    vkey.vk_alpha_1[0], vkey.vk_alpha_1[1],
    ...g2(vkey.vk_beta_2), ...g2(vkey.vk_gamma_2), ...g2(vkey.vk_delta_2),
    ...vkey.IC.flatMap((p: string[]) => [p[0], p[1]]),
  ]
  return solidityPackedKeccak256(words.map(() => 'uint256'), words.map((w) => BigInt(w))) as Hex
}

/** What circuit_id.json states the id is computed over (the ceremony writes it beside the id). */
export const GROTH16_CIRCUIT_ID_DEFINITION =
  'keccak256(abi.encodePacked(alpha1.xy, beta2, gamma2, delta2 as (x.c1, x.c0, y.c1, y.c0), IC[i].xy)) over uint256 words'
