import { AdapterOptionError } from './adapterErrors.ts'

/**
 * A least-recently-used cache whose cap is bytes, not entries: adapters of different rank and
 * classes differ in size. A value larger than the whole cap is refused (it could never stay).
 * Counts hits, misses, evictions and the bytes held, for the host's metrics.
 */
export type CacheMetrics = { hits: number; misses: number; evictions: number; bytes: number; entries: number; capBytes: number }

export class ByteLruCache<V> {
  readonly capBytes: number
  private readonly entries = new Map<string, { value: V; bytes: number }>()
  private held = 0
  private counts = { hits: 0, misses: 0, evictions: 0 }

  constructor(capBytes: number) {
    if (!Number.isSafeInteger(capBytes) || capBytes < 1) throw new AdapterOptionError({ option: 'cacheBytes', value: capBytes, expected: 'a positive integer number of bytes' })
    this.capBytes = capBytes
  }

  /** The value, marked most recently used; counts a hit or a miss. */
  get(key: string): V | undefined {
    const e = this.entries.get(key)
    if (!e) {
      this.counts.misses++
      return undefined
    }
    this.counts.hits++
    this.entries.delete(key)
    this.entries.set(key, e) // Map order is insertion order: re-inserting makes it the newest
    return e.value
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** Insert (or replace) a value of `bytes`, evicting the least recently used until it fits. */
  set(key: string, value: V, bytes: number): void {
    if (bytes > this.capBytes) throw new AdapterOptionError({ option: `cacheBytes (adapter "${key}" takes ${bytes} bytes)`, value: this.capBytes, expected: `at least ${bytes}` })
    const old = this.entries.get(key)
    if (old) {
      this.held -= old.bytes
      this.entries.delete(key)
    }
    while (this.held + bytes > this.capBytes) {
      const [oldest, e] = this.entries.entries().next().value as [string, { value: V; bytes: number }]
      this.entries.delete(oldest)
      this.held -= e.bytes
      this.counts.evictions++
    }
    this.entries.set(key, { value, bytes })
    this.held += bytes
  }

  keys(): string[] {
    return [...this.entries.keys()]
  }

  metrics(): CacheMetrics {
    return { ...this.counts, bytes: this.held, entries: this.entries.size, capBytes: this.capBytes }
  }
}
