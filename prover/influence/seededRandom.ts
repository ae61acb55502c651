/**
 * Seeded Gaussian stream for projections: xoshiro128** seeded by splitmix32, normals by Box-Muller.
 * A projection is rebuilt bit for bit from (seed, shape), which is what lets an auditor regenerate it;
 * the committed copy (inside the features ONNX file) remains the reference.
 */
export function gaussianStream(seed: number): () => number {
  let x = seed >>> 0
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  const s = [split(), split(), split(), split()]
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
    const t = (s[1] << 9) >>> 0
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }
  let spare: number | undefined
  return () => {
    if (spare !== undefined) {
      const v = spare
      spare = undefined
      return v
    }
    // (0, 1] so the log is finite.
    const u1 = (next() + 1) / 4294967296
    const u2 = next() / 4294967296
    const r = Math.sqrt(-2 * Math.log(u1))
    spare = r * Math.sin(2 * Math.PI * u2)
    return r * Math.cos(2 * Math.PI * u2)
  }
}
