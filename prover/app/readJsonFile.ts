import { readFile } from 'node:fs/promises'
import { PoaError } from '../errors/index.ts'

/** A file named by the caller cannot be read or is not JSON. */
export class InputFileError extends PoaError {
  constructor({ file, reason }: { file: string; reason: string }) {
    super('INPUT_FILE_UNREADABLE', 'BAD_INPUT', `${file}: ${reason}`, { meta: { file } })
  }
}

/** Read and parse a JSON file, or an InputFileError naming the file and why. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new InputFileError({ file, reason: `cannot be read (${(cause as Error).message})` })
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new InputFileError({ file, reason: `is not JSON (${(cause as Error).message})` })
  }
}
