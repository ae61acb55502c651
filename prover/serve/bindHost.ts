import { isIP } from 'node:net'
import { RemoteBindRefusedError } from './serveErrors.ts'

/** The address `poa serve` listens on unless told otherwise. */
export const DEFAULT_SERVE_HOST = '127.0.0.1'

/** Whether `host` names this machine only: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (isIP(h) === 4) return h.split('.')[0] === '127'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
  return mapped !== null && mapped[1].split('.')[0] === '127'
}

/**
 * Refuse a non-loopback listen address unless `allowRemote`: the dashboard's write actions sign
 * with the node's key, so anyone who reaches the port can spend it. Checked before anything starts.
 */
export function checkBindHost({ host, allowRemote }: { host: string; allowRemote?: boolean }): string {
  if (!isLoopbackHost(host) && !allowRemote) throw new RemoteBindRefusedError({ host })
  return host
}
