import { PoaError } from '../errors/index.ts'

/** An index input of the wrong shape or range: names the input, what it should be and what came. */
export class IndexShapeError extends PoaError {
  constructor({ where, expected, got }: { where: string; expected: string; got: string }) {
    super('INDEX_SHAPE', 'BAD_INPUT', `${where}: expected ${expected}, got ${got}`, { meta: { where, expected, got } })
  }
}
