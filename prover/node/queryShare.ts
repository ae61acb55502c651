import { createServer, type Server } from 'node:http'
import { PoaError } from '../errors/index.ts'
import { checkInferenceId, hasQueryText, loadQueryText, saveQueryText } from './queryStore.ts'

/*
 * The host's hand-off of query texts to provers and validators. The chain holds only a query's
 * commitment; the host keeps the text (`<home>/queries/<id>.txt`). A host runs `poa inference
 * serve-queries` and nodes fetch what they lack with `poa node --query-source <url>`. A fetched
 * text is trusted for nothing: the node proves only when it commits to the recorded commitment.
 */

/** Largest query text a node fetches: a record's default content limit (1 MiB). */
export const MAX_QUERY_BYTES = 1 << 20

/** Serve `<home>/queries/` read-only: GET /queries/<inference-id> is the text, exactly as saved. */
export async function startQueryServer({ home, port, host = '127.0.0.1' }: { home: string; port: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const match = /^\/queries\/([^/?#]+)$/.exec(req.url ?? '')
    const reply = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
    }
    if (req.method !== 'GET' || !match) return reply(404, 'not found: GET /queries/<inference-id>\n')
    let id: string
    try {
      id = checkInferenceId(decodeURIComponent(match[1]))
    } catch (error) {
      return reply(400, `${(error as PoaError).shortMessage}\n`)
    }
    loadQueryText({ home, inferenceId: id }).then(
      (text) => (text === undefined ? reply(404, `no query text for ${id}\n`) : reply(200, Buffer.from(text, 'utf8'))),
      (error: unknown) => reply(500, `${String(error)}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as { port: number }
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A query source is not an http(s) URL. */
export class QuerySourceError extends PoaError {
  constructor({ value }: { value: string }) {
    super('QUERY_SOURCE', 'USAGE', `--query-source "${value}": expected an http:// or https:// URL of a host's "poa inference serve-queries"`, { meta: { value } })
  }
}

export function checkQuerySource(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new QuerySourceError({ value })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new QuerySourceError({ value })
  return value.replace(/\/+$/, '')
}

/**
 * Make sure this home holds an inference's query text: when it does not, ask each source in turn
 * and save the first text found. Returns why none was found (undefined when the text is here).
 */
export async function fetchMissingQueryText({ home, inferenceId, sources, signal }: { home: string; inferenceId: string; sources: readonly string[]; signal?: AbortSignal }): Promise<string | undefined> {
  if (hasQueryText({ home, inferenceId })) return undefined
  const misses: string[] = []
  for (const source of sources) {
    try {
      const timeout = AbortSignal.timeout(10_000)
      const res = await fetch(`${source}/queries/${inferenceId}`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
      if (res.status !== 200) {
        misses.push(`${source}: HTTP ${res.status}`)
        await res.body?.cancel()
        continue
      }
      const declared = Number(res.headers.get('content-length') ?? 0)
      if (declared > MAX_QUERY_BYTES) {
        misses.push(`${source}: ${declared} bytes, over ${MAX_QUERY_BYTES}`)
        await res.body?.cancel()
        continue
      }
      const bytes = new Uint8Array(await res.arrayBuffer())
      if (bytes.length > MAX_QUERY_BYTES) {
        misses.push(`${source}: ${bytes.length} bytes, over ${MAX_QUERY_BYTES}`)
        continue
      }
      // Fatal decoding: a text that is not UTF-8 cannot be the committed one.
      await saveQueryText({ home, inferenceId, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) })
      return undefined
    } catch (error) {
      if (signal?.aborted) throw error
      misses.push(`${source}: ${(error as Error).message}`)
    }
  }
  return misses.join('; ')
}
