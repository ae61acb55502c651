import { buildProjection, ProjectionParameterError, type Projection, type ProjectionKind } from './projection.ts'
import { buildFeatureOnnx } from './featureGraph.ts'
import { checkModelContract } from './modelContract.ts'
import { createSession, type ProviderRequest } from './createSession.ts'
import { computeFeatures } from './computeFeatures.ts'
import { gaussNewtonHessian, cholesky } from './gaussNewton.ts'
import { whitenedPcaMatrix } from './whitenedPca.ts'
import type { SparseVector } from './vectorize.ts'

/**
 * Fix a model's attribution setup: build its projection and the features ONNX file that carries it.
 * 'whitened-trak' needs the training rows: it runs the model on them through onnxruntime, forms the
 * head's Gauss-Newton Hessian (+ damping I; for the default model damping = its l2, which makes H
 * the exact Hessian of the training objective) and whitens the random projection with its Cholesky
 * factor; 'whitened-pca' also takes the top-k principal directions of the whitened gradients
 * (whitenedPca.ts). Cost: n^3/6 multiply-adds with n = C (h+1) (about 1.4e9 for 2 classes, h = 1024).
 */
export type PrepareAttributionParameters = {
  modelBytes: Uint8Array
  source?: string
  kind: ProjectionKind
  k: number
  seed: number
  damping: number
  training?: { rows: readonly SparseVector[]; labels: ArrayLike<number> }
  provider?: ProviderRequest
  signal?: AbortSignal
}

export async function prepareAttribution(p: PrepareAttributionParameters): Promise<{ projection: Projection; featureBytes: Uint8Array }> {
  const contract = checkModelContract(p.modelBytes, p.source)
  const shape = { classes: contract.classes, hiddenDim: contract.hiddenDim }
  let hessianCholesky: Float64Array | undefined
  let rows: Float64Array | undefined
  if (p.kind !== 'trak') {
    if (!p.training) throw new ProjectionParameterError({ field: 'training', value: 'none', expected: `the training rows (${p.kind} needs the Hessian)` })
    // A k = 1 features graph exposes probs and the head's input for any contract-satisfying model.
    const probe = buildFeatureOnnx(p.modelBytes, buildProjection({ kind: 'trak', k: 1, seed: 0, ...shape }), p.source)
    const { session } = await createSession({ bytes: probe, provider: p.provider ?? 'cpu' })
    try {
      const out = await computeFeatures({
        session, inputName: contract.inputName, probsName: contract.probsName, inputDim: contract.inputDim, k: 1,
        classes: contract.classes, rows: p.training.rows, labels: p.training.labels, withHidden: true, hiddenDim: contract.hiddenDim, signal: p.signal,
      })
      const { H, n } = gaussNewtonHessian({ hidden: out.hidden!, probs: out.probs, rows: p.training.rows.length, ...shape, l2: p.damping })
      hessianCholesky = cholesky(H, n)
      if (p.kind === 'whitened-pca') {
        const N = p.training.rows.length
        const errors = new Float32Array(N * shape.classes)
        for (let i = 0; i < N; i++) {
          for (let c = 0; c < shape.classes; c++) errors[i * shape.classes + c] = out.probs[i * shape.classes + c] - (p.training.labels[i] === c ? 1 : 0)
        }
        rows = whitenedPcaMatrix({ L: hessianCholesky, errors, hidden: out.hidden!, rows: N, ...shape, k: p.k, seed: p.seed })
      }
    } finally {
      await session.release()
    }
  }
  const projection = buildProjection({ kind: p.kind, k: p.k, seed: p.seed, ...shape, hessianCholesky, rows })
  return { projection, featureBytes: buildFeatureOnnx(p.modelBytes, projection, p.source) }
}
