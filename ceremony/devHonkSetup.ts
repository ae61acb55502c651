import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildLayout } from '../prover/layout/index.ts'
import type { CircuitKeys, NoirCircuit } from '../prover/proof/proofSystem.ts'
import { getProofSystem } from '../prover/proof/proofSystems.ts'
import { ultrahonkCircuitSize } from '../prover/proof/ultrahonk/keys.ts'
import { readNoirProgram } from '../prover/proof/noir/compileNoir.ts'
import { ensureBbCrs, type EnsureBbCrsReturnType } from './bbCrs.ts'
import { DEV_SETUP_LABEL, ensureDevPowers, existingDevPowers, type DevSetupLog, type DevSetupOptions } from './devSetup.ts'
import { withLock } from './files.ts'

/**
 * INSECURE development setup of UltraHonk, the same way as Groth16's (devSetup.ts): the CRS comes
 * from the dev powers of tau (one contributor who forgot the entropy, plus a fixed beacon), so
 * whoever kept that entropy could forge proofs. UltraHonk's setup is universal: a circuit's keys
 * are computed from the CRS with no secret of their own, so nothing per circuit is contributed.
 * Production keys come from a ceremony's ptau through `ensureBbCrs`.
 */
const DEV_HONK_SETUP_BY = 'poa dev (INSECURE CRS, single contributor)'

/** Powers 2^8..2^20 of the dev setup; a 2^p ptau holds 2^(p+1) - 1 G1 points. */
const POWERS = Array.from({ length: 13 }, (_, i) => i + 8)
const g1PointsOf = (power: number) => 2 ** (power + 1) - 1

/**
 * A dev CRS folder with at least `points` G1 points: the smallest dev ptau already there that is
 * large enough (prepared, or only its raw powers), else the raw powers of the smallest power that
 * fits are made (init, contribute, beacon: no prepare). Exported once to `<build>/crs/dev_pot<p>/`.
 */
export async function ensureDevCrs({ points, log = () => {}, ...options }: { points: number; log?: DevSetupLog } & DevSetupOptions): Promise<EnsureBbCrsReturnType> {
  const fits = POWERS.filter((p) => g1PointsOf(p) >= points)
  if (fits.length === 0) throw new RangeError(`a dev CRS of ${points} points needs a ptau above 2^20`)
  const power = fits.find((p) => existingDevPowers(p, options)) ?? fits[0]
  const ptauPath = await ensureDevPowers(power, log, options)
  return ensureBbCrs({ ptauPath, outDir: buildLayout(options.buildDir).devCrsDir(power), label: DEV_SETUP_LABEL, log })
}

/**
 * UltraHonk keys of a compiled Noir program from the dev CRS (cached beside the program by the
 * sha256 of its bytecode): size the circuit, take a dev CRS with circuit size + 1 points, set the
 * keys up. Files: `<name>.dev.honk.pk.json`, `<name>.dev.honk.vkey.json`, stamp `honk-keys.sha256`.
 */
export async function ensureDevHonkKeys(circuit: Pick<NoirCircuit, 'name' | 'programPath'>, log: DevSetupLog = () => {}, options: DevSetupOptions = {}): Promise<CircuitKeys> {
  const system = getProofSystem('ultrahonk')
  const dir = dirname(circuit.programPath)
  const zkeyPath = join(dir, `${circuit.name}.dev.honk.pk.json`)
  const vkeyPath = join(dir, `${circuit.name}.dev.honk.vkey.json`)
  const stamp = join(dir, 'honk-keys.sha256')
  const programHash = createHash('sha256').update(readNoirProgram(circuit.programPath).bytecode).digest('hex')
  const done = () => existsSync(stamp) && readFileSync(stamp, 'utf8').startsWith(programHash)
  const load = () => system.loadKeys({ zkeyPath, vkeyPath, zkeyHash: readFileSync(stamp, 'utf8').split(' ')[1] })
  if (done()) return load()
  return withLock(zkeyPath, async () => {
    if (done()) return load()
    const { subgroupSize } = await ultrahonkCircuitSize(circuit.programPath)
    const { dir: crsDir } = await ensureDevCrs({ points: subgroupSize + 1, log, ...options })
    log(`${DEV_SETUP_LABEL}: UltraHonk keys for ${circuit.name} (circuit size ${subgroupSize}, CRS ${crsDir})`)
    // Written before the stamp: a run killed in between leaves no stamp, so the keys are made again.
    const keys = await system.setupKeys({ programPath: circuit.programPath, setupMaterialPath: crsDir, zkeyPath, vkeyPath, contributor: DEV_HONK_SETUP_BY, log })
    writeFileSync(stamp, `${programHash} ${keys.zkeyHash}`)
    return keys
  }, `INSECURE dev setup: UltraHonk keys for ${circuit.name}`)
}
