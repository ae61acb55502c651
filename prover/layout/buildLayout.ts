import { join } from 'node:path'
import { PACKAGE_ROOT } from './packageRoot.ts'

/**
 * Every path under the build folder (ignored by git; compiled circuits, dev keys, dev ptau, the
 * native hasher, generated verifiers). Nothing here reads the environment: the CLI edge resolves
 * POA_BUILD_DIR and passes `buildDir`; library callers that pass nothing get `<package>/build`,
 * resolved when they call, not when a module loads.
 *
 *   <build>/circuits/<name>/<name>.r1cs, <name>_js/<name>.wasm, <name>.dev.zkey, <name>.dev.vkey.json
 *   <build>/ptau/dev_pot<power>_final.ptau, <build>/ptau/dev_pot<power>/   dev powers of tau + transcript
 *   <build>/crs/dev_pot<power>/                                            Barretenberg CRS of those powers (UltraHonk)
 *   <build>/noir/<name>/<name>.json                                        compiled Noir programs (nargo's JSON)
 *   <build>/native/                                                        native Poseidon binary
 *   <build>/governance/                                                    rotated verifier artifacts
 */
export type BuildLayout = {
  readonly root: string
  /** Folder of one compiled circuit and its dev keys. */
  circuitDir(name: string): string
  /** The circuit's constraint system. */
  r1csPath(name: string): string
  /** The dev Groth16 proving key `poa prove` and the demo use (INSECURE). */
  devZkeyPath(name: string): string
  /** The dev verification key beside it. */
  devVkeyPath(name: string): string
  /** Prepared (phase-2-ready) development powers of tau for 2^power constraints. */
  devPtauPath(power: number): string
  /** The dev ceremony folder (transcript + intermediate files) behind devPtauPath(power). */
  devCeremonyDir(power: number): string
  /** The Barretenberg CRS (bn254_g1.dat, bn254_g2.dat, crs.json) exported from the dev powers of 2^power (INSECURE). */
  devCrsDir(power: number): string
  readonly ptauDir: string
  /** Folder of one compiled Noir program (`noir_attribution_d8_k8_K3`). */
  noirCircuitDir(name: string): string
  /** The INSECURE dev UltraHonk verification key beside a compiled Noir program. */
  devHonkVkeyPath(name: string): string
  readonly nativeDir: string
  readonly governanceDir: string
}

/** The default build folder, `<package>/build`, when a caller names none. */
export function defaultBuildDir(): string {
  return join(PACKAGE_ROOT, 'build')
}

/** Paths under `buildDir` (default `<package>/build`). */
export function buildLayout(buildDir: string = defaultBuildDir()): BuildLayout {
  const circuitDir = (name: string) => join(buildDir, 'circuits', name)
  const ptauDir = join(buildDir, 'ptau')
  return {
    root: buildDir,
    circuitDir,
    r1csPath: (name) => join(circuitDir(name), `${name}.r1cs`),
    devZkeyPath: (name) => join(circuitDir(name), `${name}.dev.zkey`),
    devVkeyPath: (name) => join(circuitDir(name), `${name}.dev.vkey.json`),
    devPtauPath: (power) => join(ptauDir, `dev_pot${power}_final.ptau`),
    devCeremonyDir: (power) => join(ptauDir, `dev_pot${power}`),
    devCrsDir: (power) => join(buildDir, 'crs', `dev_pot${power}`),
    ptauDir,
    noirCircuitDir: (name) => join(buildDir, 'noir', name),
    devHonkVkeyPath: (name) => join(buildDir, 'noir', name, `${name}.dev.honk.vkey.json`),
    nativeDir: join(buildDir, 'native'),
    governanceDir: join(buildDir, 'governance'),
  }
}
