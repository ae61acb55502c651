/**
 * Resident memory of this process and its children, read from /proc (Linux), for the benches that
 * report a peak including a native child (the Poseidon hasher): getrusage's maxRSS sees Node only.
 */
import { readFileSync, readdirSync } from 'node:fs'

/** VmRSS in bytes of a pid, 0 when it is gone. */
export function rssOf(pid: number | string): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** The pids of a process's children (of all its threads), none when it is gone. */
export function childrenOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean))
  } catch {
    return []
  }
}

/** The summed RSS of this process's children now, in bytes. */
export function childrenRss(): number {
  return childrenOf(process.pid).reduce((sum, pid) => sum + rssOf(pid), 0)
}
