import { availableParallelism } from 'node:os'
import { gunzipSync } from 'node:zlib'
import { Barretenberg, RawBuffer, UltraHonkBackend } from '@aztec/bb.js'
import { CrsTooSmallError, type CrsPoints } from './crs.ts'

/*
 * bb.js, held the way poa needs it. Barretenberg runs in a worker thread of its own (plus helper
 * threads), so the calling thread stays responsive while it proves; its WebAssembly is compiled
 * afresh by every instance (about 3 s on the 2-core machines), so an instance is opened per task and
 * destroyed in `finally` (its threads would keep the process alive). Nothing here reads a CRS file
 * or lets bb.js fetch one: the points are handed over in memory.
 */

/** bb.js caps threads at the cores it sees; as many as the machine has. */
export const DEFAULT_THREADS = availableParallelism()

/** honkRecursion as UltraHonkBackend sets it when sizing a circuit (its SRS sizing, unchanged). */
const HONK_RECURSION = true

/**
 * bb.js's UltraHonkBackend with its `instantiate` replaced: the same Barretenberg instance, but the
 * SRS is loaded from `crs` (poa's own, in memory) after checking it is large enough, instead of from
 * bb.js's CRS folder, which downloads Aztec's points when it finds too few. Proving, the
 * verification key and the Solidity verifier are UltraHonkBackend's own code.
 */
export class CrsBoundBackend extends UltraHonkBackend {
  /** The circuit's size as Barretenberg pads it (a power of two), known once instantiated. */
  subgroupSize = 0
  private closing: Promise<void> | undefined

  constructor(
    bytecode: string,
    private readonly crs: CrsPoints,
    private readonly circuitName: string,
    threads = DEFAULT_THREADS,
  ) {
    super(bytecode, { threads })
  }

  override async instantiate(): Promise<void> {
    if (this.api) return
    const api = await Barretenberg.new(this.backendOptions)
    try {
      // destroy() during Barretenberg.new found no instance to end: end this one, or its threads outlive the call.
      if (this.closing) throw new Error('the backend was destroyed while starting')
      const [, subgroupSize] = await api.acirGetCircuitSizes(this.acirUncompressedBytecode, false, HONK_RECURSION)
      const needed = subgroupSize + 1
      if (this.crs.points < needed) throw new CrsTooSmallError({ circuit: this.circuitName, needed, points: this.crs.points, source: this.crs.source })
      await api.srsInitSrs(new RawBuffer(this.crs.g1.subarray(0, needed * 64)), needed, new RawBuffer(this.crs.g2))
      this.subgroupSize = subgroupSize
    } catch (error) {
      await api.destroy()
      throw error
    }
    if (this.closing) {
      await api.destroy()
      throw new Error('the backend was destroyed while starting')
    }
    this.api = api
  }

  /** End the instance once (an abort and the caller's `finally` may both ask; a second destroy would wait on a terminated worker forever). */
  override destroy(): Promise<void> {
    this.closing ??= super.destroy()
    return this.closing
  }

  /**
   * End the instance now, in the middle of a proof. `destroy()` cannot: it first asks the worker to
   * free its memory, a message the worker reads only after the proof. Terminating Barretenberg's
   * worker (bb.js keeps it in a private field) ends its helper threads with it.
   */
  abortNow(): Promise<void> {
    const worker = (this.api as unknown as { worker?: { terminate(): Promise<number> } } | undefined)?.worker
    if (!worker) return this.destroy()
    this.closing ??= worker.terminate().then(() => {})
    return this.closing
  }
}

/**
 * The size of a program's circuit: its gate count and the power of two Barretenberg pads it to
 * (the CRS must hold that + 1 points). Opens and ends an instance of its own.
 */
export async function circuitSizeOf(bytecode: string): Promise<{ gates: number; subgroupSize: number }> {
  const api = await Barretenberg.new({ threads: 1 })
  try {
    // noir_wasm's bytecode is gzipped ACIR in base64, as UltraHonkBackend's constructor unpacks it.
    const [gates, subgroupSize] = await api.acirGetCircuitSizes(gunzipSync(Buffer.from(bytecode, 'base64')), false, HONK_RECURSION)
    return { gates, subgroupSize }
  } finally {
    await api.destroy()
  }
}

/** The G1 generator (1, 2), big-endian x||y: the one G1 point a verifier's SRS needs. */
const G1_GENERATOR = Buffer.from(`${'0'.repeat(63)}1${'0'.repeat(63)}2`, 'hex')

type SharedVerifier = { api: Promise<Barretenberg>; g2: string | undefined; users: number; kept: boolean; queue: Promise<unknown> }
let shared: SharedVerifier | undefined

/**
 * Verify an UltraHonk (keccak) proof against vk bytes on a Barretenberg instance shared by the
 * calls of a batch: `keep` leaves it alive after this call (release with `releaseVerifier`), else it
 * is destroyed once no call uses it. Calls are queued on the instance because the SRS is global to
 * it: each call loads its key's [tau]G2 when it differs from the last. An instance that threw is
 * dropped (Barretenberg's WebAssembly may be left broken by an assertion).
 */
export async function verifyOnSharedInstance({ proofWithInputs, vk, g2, keep }: { proofWithInputs: Uint8Array; vk: Uint8Array; g2: Uint8Array; keep: boolean }): Promise<boolean> {
  const s = (shared ??= { api: Barretenberg.new({ threads: 1 }), g2: undefined, users: 0, kept: false, queue: Promise.resolve() })
  s.users++
  s.kept ||= keep
  const run = s.queue.then(async () => {
    const api = await s.api
    const g2Hex = Buffer.from(g2).toString('hex')
    if (s.g2 !== g2Hex) {
      await api.srsInitSrs(new RawBuffer(G1_GENERATOR), 1, new RawBuffer(g2))
      s.g2 = g2Hex
    }
    return api.acirVerifyUltraKeccakHonk(proofWithInputs, new RawBuffer(vk))
  })
  s.queue = run.catch(() => {})
  try {
    return await run
  } catch (error) {
    if (shared === s) shared = undefined
    s.api.then((api) => api.destroy()).catch(() => {})
    throw error
  } finally {
    s.users--
    if (s.users === 0 && !s.kept && shared === s) await releaseVerifier()
  }
}

/** Destroy the shared verifier instance, if any (its worker threads would keep the process alive). */
export async function releaseVerifier(): Promise<void> {
  const s = shared
  shared = undefined
  if (s) await (await s.api).destroy()
}

/**
 * Run `work` unless `signal` aborts first: on abort, `abort()` runs (destroying the Barretenberg
 * instance, which terminates its worker: bb.js has no other way to stop a proof) and the call
 * rejects with `onAbort()`; the abandoned work's own outcome is ignored.
 */
export async function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, abort: () => Promise<void>, onAbort: () => Error): Promise<T> {
  if (!signal) return work
  if (signal.aborted) {
    work.catch(() => {})
    await abort()
    throw onAbort()
  }
  let listener: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    listener = () => reject(onAbort())
    signal.addEventListener('abort', listener, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } catch (error) {
    if (signal.aborted) {
      work.catch(() => {})
      await abort()
    }
    throw error
  } finally {
    signal.removeEventListener('abort', listener!)
  }
}
