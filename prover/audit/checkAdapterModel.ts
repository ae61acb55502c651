import { AdapterFileError, BaseNotFoundError, readAdapterBinding } from '../adapters/index.ts'
import { PoaError } from '../errors/index.ts'
import { ModelIntegrityError, type LoadedModel } from '../influence/index.ts'
import { checkModel, type AuditCheck } from './auditChecks.ts'
import type { SettlementOnChain } from './auditSettlement.ts'

/**
 * The model check of an adapter model. Its registered hash binds the shared base file and the
 * adapter file (adapterModelHash), not model.onnx, so the auditor reads both files, checks them
 * against the model's manifest, recomputes the hash from them and compares it with the registered
 * one, and checks that model.onnx (what computes the features) is exactly base + adapter. A swapped
 * base or adapter file fails naming that file.
 */
export async function checkAdapterModel(s: { model: Pick<SettlementOnChain['model'], 'modelHash' | 'k'> }, model: LoadedModel, home: string | undefined): Promise<AuditCheck> {
  const ref = model.manifest.adapter
  const fail = (what: string, expected: unknown, got: unknown): AuditCheck => ({ name: 'model', ok: false, detail: `${what}: expected ${expected}, got ${got}`, difference: { what, expected: String(expected), got: String(got) } })
  if (!ref) return fail(`kind of ${model.dir}`, 'an adapter model', `source "${model.manifest.source}"`)
  if (home === undefined) return fail(`base "${ref.base}" of adapter model ${model.dir}`, 'the home holding its bases/ folder', 'none given')
  let bound: Awaited<ReturnType<typeof readAdapterBinding>>
  try {
    bound = await readAdapterBinding(home, model)
  } catch (error) {
    if (error instanceof ModelIntegrityError) return fail(`${String(error.meta.what)} of ${String(error.meta.file)}`, error.meta.expected, error.meta.got)
    if (error instanceof BaseNotFoundError) return fail(`base file ${String(error.meta.file)}`, `the base ${ref.baseSha256}`, 'no file')
    if (error instanceof AdapterFileError) return fail(`adapter or base file ${String(error.meta.file)}`, 'a readable file', error.shortMessage)
    if (error instanceof PoaError) return fail(`base and adapter of ${model.dir}`, 'readable files', error.shortMessage)
    throw error
  }
  if (bound.modelHash !== s.model.modelHash) {
    return fail(`modelHash of base ${bound.base.file} + adapter ${bound.adapterFile}`, s.model.modelHash, bound.modelHash)
  }
  if (bound.rebuiltModelSha256 !== model.manifest.modelSha256) {
    return fail(`sha256 of ${model.dir}/model.onnx`, `${bound.rebuiltModelSha256} (base + adapter)`, model.manifest.modelSha256)
  }
  const plain = checkModel(s, model)
  if (!plain.ok) return plain
  return { name: 'model', ok: true, detail: `base ${bound.base.file} (sha256 ${bound.base.sha256}) + adapter ${bound.adapterFile} hash to the registered model hash; model.onnx is exactly base + adapter` }
}
