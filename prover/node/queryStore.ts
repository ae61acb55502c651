import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PoaError } from '../errors/index.ts'

/**
 * The local inference store: the query text of each inference, kept by the host that recorded it
 * (`<home>/queries/<inferenceId>.txt`, UTF-8 exactly as committed). The chain holds only the
 * commitment; a node needs the text to recompute phi_q, and an auditor to re-check it.
 */
export class InferenceIdError extends PoaError {
  constructor({ where, value }: { where: string; value: string }) {
    super('INFERENCE_ID', 'USAGE', `${where} "${value}": expected 32 bytes as 0x followed by 64 hex digits`, { meta: { where, value } })
  }
}

export function checkInferenceId(value: string, where = 'inference id'): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InferenceIdError({ where, value: String(value) })
  return value.toLowerCase()
}

function queryPath(home: string, inferenceId: string): string {
  return join(home, 'queries', `${checkInferenceId(inferenceId)}.txt`)
}

/** Save a query text (atomically: a node never reads half a file). */
export async function saveQueryText({ home, inferenceId, text }: { home: string; inferenceId: string; text: string }): Promise<string> {
  const path = queryPath(home, inferenceId)
  await mkdir(join(home, 'queries'), { recursive: true })
  await writeFile(`${path}.tmp`, text, 'utf8')
  await rename(`${path}.tmp`, path)
  return path
}

/** How a job's reason starts when the node lacks the query text (runNode.ts retries it once the text is saved). */
export const NO_QUERY_TEXT = 'no query text'

/** Whether this home holds the query text of an inference. */
export function hasQueryText({ home, inferenceId }: { home: string; inferenceId: string }): boolean {
  return existsSync(queryPath(home, inferenceId))
}

/** The saved query text, or undefined when this home has none for the inference. */
export async function loadQueryText({ home, inferenceId }: { home: string; inferenceId: string }): Promise<string | undefined> {
  const path = queryPath(home, inferenceId)
  return existsSync(path) ? readFile(path, 'utf8') : undefined
}
