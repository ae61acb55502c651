import * as snarkjs from 'snarkjs'

/**
 * snarkjs keeps one BN254 curve (with its worker threads) in `globalThis.curve_bn128`, shared by
 * every call. Those workers keep the process alive, so whoever finishes a batch of snarkjs work
 * releases the curve; the next call builds a new one.
 */
export async function releaseCurve(): Promise<void> {
  const curve = (globalThis as any).curve_bn128
  if (curve) {
    ;(globalThis as any).curve_bn128 = null
    await curve.terminate()
  }
}

/** The shared BN254 curve as snarkjs builds it. */
export async function getCurve(): Promise<any> {
  return snarkjs.curves.getCurveFromName('bn128')
}

/** Run `work` and release the curve afterwards, whatever happens. */
export async function withCurve<T>(work: (curve: any) => Promise<T>): Promise<T> {
  try {
    return await work(await getCurve())
  } finally {
    await releaseCurve()
  }
}
