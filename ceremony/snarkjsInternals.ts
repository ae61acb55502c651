import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * snarkjs computes each contribution's hash but only logs it; the ceremony needs those hashes as
 * data (transcript, verify report). snarkjs 0.7.6 (pinned) exports only its top-level API, so the
 * few helpers that read contribution records are loaded from its source files by path. They are
 * the same module instances `import 'snarkjs'` uses (same files, same ESM cache), so they share
 * its curve.
 */
const require = createRequire(import.meta.url)
const snarkjsRoot = dirname(dirname(require.resolve('snarkjs')))

async function load(relative: string): Promise<any> {
  return import(pathToFileURL(join(snarkjsRoot, relative)).href)
}

let cached: Promise<{ ptauUtils: any; zkeyUtils: any; misc: any; curves: any; binFileUtils: any; blake2b: any }> | undefined

/** The snarkjs internals the ceremony reads contribution records with (loaded once). */
export function snarkjsInternals() {
  cached ??= (async () => {
    // Loading a second copy of ffjavascript (for example through a package's CommonJS build)
    // would reset `globalThis.curve_bn128` at import and orphan the live curve, whose workers then
    // keep the process alive. So binfileutils is loaded through its ESM entry, the one snarkjs
    // itself imports, and the global is put back in any case.
    const live = (globalThis as any).curve_bn128
    const snarkRequire = createRequire(join(snarkjsRoot, 'src', 'misc.js'))
    const binRoot = dirname(dirname(snarkRequire.resolve('@iden3/binfileutils')))
    const binEntry = JSON.parse(readFileSync(join(binRoot, 'package.json'), 'utf8')).exports.import
    try {
      const [ptauUtils, zkeyUtils, misc, curves, binFileUtils, noble] = await Promise.all([
        load('src/powersoftau_utils.js'),
        load('src/zkey_utils.js'),
        load('src/misc.js'),
        load('src/curves.js'),
        import(pathToFileURL(join(binRoot, binEntry)).href),
        import(pathToFileURL(snarkRequire.resolve('@noble/hashes/blake2b')).href),
      ])
      return { ptauUtils, zkeyUtils, misc, curves, binFileUtils, blake2b: noble.blake2b }
    } finally {
      if (live && !(globalThis as any).curve_bn128) (globalThis as any).curve_bn128 = live
    }
  })()
  return cached
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** One contribution as recorded inside a ptau or zkey file. */
export type EmbeddedContribution = {
  name: string
  /** snarkjs's contribution hash (ptau: response hash; zkey: hash of the delta public key), 64-byte hex. */
  hash: string
  kind: 'contribute' | 'beacon'
  beacon?: { hash: string; iterationsExp: number }
}

export type PtauRecord = { power: number; ceremonyPower: number; contributions: EmbeddedContribution[]; prepared: boolean }

/** Power and the contribution records of a ptau file, with the hashes `snarkjs powersoftau verify` prints. */
export async function readPtauRecord(file: string): Promise<PtauRecord> {
  const { ptauUtils, misc, binFileUtils } = await snarkjsInternals()
  const { fd, sections } = await binFileUtils.readBinFile(file, 'ptau', 1)
  try {
    const { curve, power, ceremonyPower } = await ptauUtils.readPTauHeader(fd, sections)
    const raw = await ptauUtils.readContributions(fd, curve, sections)
    const contributions = raw.map((c: any): EmbeddedContribution => {
      // The response hash is blake2b(previous challenge || new points || public key); the file
      // keeps the hasher state before the key (partialHash), exactly as snarkjs's verify rebuilds it.
      const key = new Uint8Array(curve.G1.F.n8 * 2 * 6 + curve.G2.F.n8 * 2 * 3)
      ptauUtils.toPtauPubKeyRpr(key, 0, curve, c.key, false)
      const hasher = misc.fromPartialHash(c.partialHash)
      hasher.update(key)
      return {
        name: c.name ?? '',
        hash: hex(hasher.digest()),
        kind: c.type === 1 ? 'beacon' : 'contribute',
        ...(c.type === 1 ? { beacon: { hash: hex(c.beaconHash), iterationsExp: c.numIterationsExp } } : {}),
      }
    })
    return { power, ceremonyPower, contributions, prepared: Boolean(sections[12] && sections[13] && sections[14] && sections[15]) }
  } finally {
    await fd.close()
  }
}

/** The first challenge hash of a 2^power ceremony: what an `init` produces, deterministic from the power. */
export async function firstChallengeHash(curve: any, power: number): Promise<string> {
  const { ptauUtils } = await snarkjsInternals()
  return hex(ptauUtils.calculateFirstChallengeHash(curve, power))
}

export type ZkeyRecord = { circuitHash: string; contributions: EmbeddedContribution[] }

/** The circuit hash and the phase-2 contribution records of a zkey, hashed as `snarkjs zkey verify` prints them. */
export async function readZkeyRecord(file: string): Promise<ZkeyRecord> {
  const { zkeyUtils, curves, binFileUtils, blake2b } = await snarkjsInternals()
  const { fd, sections } = await binFileUtils.readBinFile(file, 'zkey', 2)
  try {
    const zkey = await zkeyUtils.readHeader(fd, sections)
    const curve = await curves.getCurveFromQ(zkey.q)
    const mpc = await zkeyUtils.readMPCParams(fd, curve, sections)
    const contributions = mpc.contributions.map((c: any): EmbeddedContribution => {
      const hasher = blake2b.create({ dkLen: 64 })
      zkeyUtils.hashPubKey(hasher, curve, c)
      return {
        name: c.name ?? '',
        hash: hex(hasher.digest()),
        kind: c.type === 1 ? 'beacon' : 'contribute',
        ...(c.type === 1 ? { beacon: { hash: hex(c.beaconHash), iterationsExp: c.numIterationsExp } } : {}),
      }
    })
    return { circuitHash: hex(mpc.csHash), contributions }
  } finally {
    await fd.close()
  }
}
