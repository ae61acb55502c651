import { randomBytes, createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { BUILD_DIR, type CompiledCircuit } from '../prover/proof/compileCircuit.ts'
import { withCurve } from '../prover/proof/curve.ts'

/**
 * INSECURE development trusted setup: one contributor (this machine, with OS entropy it forgets)
 * plus a fixed beacon. Good for tests and the demo only; anyone who kept the entropy could forge
 * proofs. Production keys come from `poa ceremony`. Artefacts are cached under build/ and written
 * atomically (temporary name, then rename), so an interrupted run never leaves a file that looks
 * finished.
 */
export const DEV_SETUP_LABEL = 'poa INSECURE development setup (single contributor)'

const DEV_BEACON = '0000000000000000000000000000000000000000000000000000000000000000'

export type DevSetupLog = (line: string) => void

/** Wait for, or take, a lock directory so parallel test files do not generate the same artefact twice. */
async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`
  mkdirSync(join(lock, '..'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // A lock older than 30 minutes belongs to a process that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true })
      } catch {
        /* the holder removed it in between: retry */
      }
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  try {
    return await work()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Path of the prepared (phase-2-ready) development powers of tau for 2^power constraints. */
export function devPtauPath(power: number): string {
  return join(BUILD_DIR, 'ptau', `dev_pot${power}_final.ptau`)
}

/** Generate (or reuse) a prepared development ptau of 2^power: new, one contribution, beacon, prepare. */
export async function ensureDevPtau(power: number, log: DevSetupLog = () => {}): Promise<string> {
  if (!Number.isInteger(power) || power < 8 || power > 20) throw new RangeError(`ptau power ${power} is not in [8, 20]`)
  const final = devPtauPath(power)
  if (existsSync(final)) return final
  return withLock(final, async () => {
    if (existsSync(final)) return final
    const dir = join(BUILD_DIR, 'ptau')
    mkdirSync(dir, { recursive: true })
    const step = (n: number) => join(dir, `dev_pot${power}_${n}.tmp-${process.pid}.ptau`)
    const started = Date.now()
    log(`${DEV_SETUP_LABEL}: generating powers of tau 2^${power} (prepare takes minutes)`)
    await withCurve(async (curve) => {
      await snarkjs.powersOfTau.newAccumulator(curve, power, step(0))
      await snarkjs.powersOfTau.contribute(step(0), step(1), 'poa dev', randomBytes(64).toString('hex'))
      await snarkjs.powersOfTau.beacon(step(1), step(2), 'poa dev beacon', DEV_BEACON, 10)
      await snarkjs.powersOfTau.preparePhase2(step(2), step(3))
    })
    renameSync(step(3), final)
    for (const n of [0, 1, 2]) rmSync(step(n), { force: true })
    log(`ptau 2^${power} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return final
  })
}

/** Smallest power p with 2^p >= constraints + public inputs + 1 (what Groth16 setup needs). */
export async function requiredPower(r1csPath: string): Promise<number> {
  const info = await snarkjs.r1cs.info(r1csPath)
  const needed = Number(info.nConstraints) + Number(info.nPubInputs) + Number(info.nOutputs) + 1
  return Math.max(8, Math.ceil(Math.log2(needed)))
}

export type DevKeys = {
  zkeyPath: string
  vkeyPath: string
  verificationKey: any
  /** sha256 of the zkey file: identifies this setup. */
  zkeyHash: string
}

/** Groth16 keys for a compiled circuit from the development ptau (cached by the circuit's source hash). */
export async function ensureDevKeys(circuit: CompiledCircuit, log: DevSetupLog = () => {}): Promise<DevKeys> {
  const zkeyPath = join(circuit.dir, `${circuit.name}.dev.zkey`)
  const vkeyPath = join(circuit.dir, `${circuit.name}.dev.vkey.json`)
  const stamp = join(circuit.dir, 'keys.sha256')
  const done = () => existsSync(stamp) && readFileSync(stamp, 'utf8').startsWith(circuit.sourceHash)
  const load = (): DevKeys => ({
    zkeyPath,
    vkeyPath,
    verificationKey: JSON.parse(readFileSync(vkeyPath, 'utf8')),
    zkeyHash: readFileSync(stamp, 'utf8').split(' ')[1],
  })
  if (done()) return load()
  const power = await requiredPower(circuit.r1csPath)
  const ptau = await ensureDevPtau(power, log)
  return withLock(zkeyPath, async () => {
    if (done()) return load()
    log(`${DEV_SETUP_LABEL}: Groth16 keys for ${circuit.name} (2^${power})`)
    const tmp0 = `${zkeyPath}.0.tmp-${process.pid}`
    const tmp1 = `${zkeyPath}.1.tmp-${process.pid}`
    await withCurve(async () => {
      await snarkjs.zKey.newZKey(circuit.r1csPath, ptau, tmp0)
      await snarkjs.zKey.contribute(tmp0, tmp1, 'poa dev', randomBytes(64).toString('hex'))
      const vkey = await snarkjs.zKey.exportVerificationKey(tmp1)
      writeFileSync(`${vkeyPath}.tmp`, JSON.stringify(vkey, null, 1))
    })
    renameSync(tmp1, zkeyPath)
    renameSync(`${vkeyPath}.tmp`, vkeyPath)
    rmSync(tmp0, { force: true })
    const zkeyHash = createHash('sha256').update(readFileSync(zkeyPath)).digest('hex')
    writeFileSync(stamp, `${circuit.sourceHash} ${zkeyHash}`)
    return load()
  })
}
